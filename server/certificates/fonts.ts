import fs from 'node:fs';

// DejaVu Sans from the npm package dejavu-fonts-ttf covers Latin, Greek, Cyrillic and Vietnamese,
// so "Nguyễn Thị Ánh" and "Zoë O'Brien-Łukasiewicz" print as typed. Read once per process.
export const FONT = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
export const FONT_BOLD = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));
