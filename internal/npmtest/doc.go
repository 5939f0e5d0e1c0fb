// Package npmtest installs pinned npm packages for the tests that check
// chataccess's output with a vendor's own JavaScript tools: Microsoft's
// adaptivecards parser, the Teams app manifest schemas and the Microsoft
// 365 Agents Playground.
//
// Each set of packages is installed once per machine into the temp
// directory and reused. Without node, npm or a reachable registry the
// test is skipped with a sentence saying which, except in CI (CI=true),
// where the check is part of the suite and its absence fails the test.
package npmtest
