// Checks Adaptive Cards with Microsoft's own parser (the adaptivecards
// npm package): every parse and validation event is a failure.
// Usage: node validate.js <path to adaptivecards.js> <card.json>...
"use strict";
const fs = require("fs");
const AC = require(process.argv[2]);
let problems = 0;
for (const file of process.argv.slice(3)) {
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  card.parse(json, ctx);
  const events = [];
  for (let i = 0; i < ctx.eventCount; i++) events.push(ctx.getEventAt(i));
  for (const e of card.validateProperties().validationEvents) events.push(e);
  for (const e of events) {
    problems++;
    console.log(file + ": " + (e.message || JSON.stringify(e)));
  }
  if (card.version.toString() !== "1.5") {
    problems++;
    console.log(file + ": version " + card.version.toString());
  }
}
console.log("checked " + (process.argv.length - 3) + " cards, " + problems + " problems");
process.exit(problems > 0 ? 1 : 0);
