// Package vendormap owns the mapping of a policy package to the vendor
// objects it stands for: its Adobe Admin Console product profiles (as
// Adobe spells them), and its Marketo instance, role and workspace (by
// id, by name, or both). `chataccess check`, the workers and the access
// reviews all resolve packages here, so they agree on one matching rule:
//
//   - names are compared after trimming, with every run of white space
//     inside made one space, ignoring case (NameKey);
//   - ids are compared exactly; a configured id and name that point at
//     different objects are an error (ErrMismatch), never a guess;
//   - a name that fits several objects is an error (ErrAmbiguous): set
//     the id in the policy;
//   - a product profile must be a PRODUCT_PROFILE of the configured
//     product (productName contains it, same rule); an unset product
//     accepts any product;
//   - an unset workspace is "Default", Marketo's initial workspace;
//     "AllZones" is workspace 0, which workspaces.json does not list;
//   - a role Marketo marks onlyAllZones fits only workspace AllZones.
//
// Match* are the rule over listings already read (check uses them on its
// one listing of each). Resolver reads the listings and keeps them, with
// the refresh rule that decision paths need:
//
//   - a listing is kept for at most TTL and only up to MaxItems entries;
//   - an answer that is not a plain match (not found, mismatch,
//     ambiguous) is never taken from a kept listing: the listing is read
//     again, once, and only that read may say no. A role created a
//     minute ago is found on the next attempt, without a restart;
//   - when a vendor call contradicts a kept listing (Marketo refuses a
//     role id it listed, Adobe does not know a profile it listed), With*
//     drop the listing, resolve again from a new read and, when the ids
//     changed, repeat the call once.
//
// Marketo listings are kept per instance name, so a second Marketo
// subscription is one more entry in Config.Marketo; "" and "default"
// name today's single instance (InstanceOf gives a package's instance).
//
// Sources: UMAPI groups listing (umapi-doc:docs/en/api/group.md: type,
// productName, 400 groups a page, 5 reads a minute per client); Marketo
// roles.json and workspaces.json (mkto-dev:help/rest-api/user-management.md:
// id, name, onlyAllZones; workspace 0 "AllZones" in the samples).
package vendormap
