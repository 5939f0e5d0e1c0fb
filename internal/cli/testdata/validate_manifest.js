// Checks Teams app manifests against Microsoft's Teams manifest JSON
// schema, as shipped in the @microsoft/app-manifest npm package, with the
// validator and options that package uses itself (ajv for draft-04 with
// ajv-formats' uri, email and regex; all errors; strictTypes off).
// Each manifest is checked against the schema of its manifestVersion,
// and its $schema must name that schema.
// Usage: node validate_manifest.js <node_modules> <manifest.json>...
"use strict";
const fs = require("fs");
const path = require("path");
const modules = process.argv[2];
const Ajv = require(path.join(modules, "ajv-draft-04"));
const addFormats = require(path.join(modules, "ajv-formats"));

// Some of Microsoft's schemas write "\a" and "\v" in patterns, which
// JSON does not allow; the package reads them the same way before
// parsing (AppManifestUtils.fetchSchema).
function readSchema(file) {
  return JSON.parse(fs.readFileSync(file, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b"));
}

let problems = 0;
for (const file of process.argv.slice(3)) {
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
  const version = String(manifest.manifestVersion);
  const rel = "teams/v" + version + "/MicrosoftTeams.schema.json";
  const schemaFile = path.join(modules, "@microsoft", "app-manifest", "build", "json-schemas", rel);
  if (!fs.existsSync(schemaFile)) {
    problems++;
    console.log(file + ": no schema for manifestVersion " + version);
    continue;
  }
  if (typeof manifest.$schema !== "string" || !manifest.$schema.endsWith("/json-schemas/" + rel)) {
    problems++;
    console.log(file + ": $schema " + JSON.stringify(manifest.$schema) + " is not the v" + version + " schema");
  }
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  const validate = ajv.compile(readSchema(schemaFile));
  if (!validate(manifest)) {
    for (const e of validate.errors) {
      problems++;
      console.log(file + ": " + (e.instancePath || "/") + " " + e.message + " " + JSON.stringify(e.params));
    }
  }
  console.log(file + ": checked against " + rel);
}
console.log("checked " + (process.argv.length - 3) + " manifests, " + problems + " problems");
process.exit(problems > 0 ? 1 : 0);
