// Validates an AsyncAPI document: node validate.mjs <file>. Prints the diagnostics as JSON; exit 1 on errors.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';

const parser = new Parser();
const diagnostics = await parser.validate(readFileSync(process.argv[2], 'utf8'));
const errors = diagnostics.filter((d) => d.severity === 0);
console.log(JSON.stringify(diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path }))));
process.exit(errors.length ? 1 : 0);
