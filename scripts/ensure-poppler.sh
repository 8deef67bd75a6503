#!/usr/bin/env bash
# The PDF tests read certificates and evidence packs back with Debian's poppler-utils (pdftotext -bbox
# for where each line sits, pdffonts for which fonts are embedded, pdfinfo, pdftoppm to look at pixels). Installs them with apt-get when missing.
set -euo pipefail
if command -v pdftotext pdffonts pdfinfo pdftoppm >/dev/null 2>&1; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" "the PDF tests" poppler-utils
pdftotext -v 2>&1 | head -1
