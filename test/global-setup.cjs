// Before any test file: the tools the tests drive from Debian, installed by the project's own scripts.
// poppler-utils reads PDFs back (pdftotext, pdffonts); the script returns at once when they are there.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = () => {
  execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'ensure-poppler.sh')], { stdio: 'inherit' });
};
