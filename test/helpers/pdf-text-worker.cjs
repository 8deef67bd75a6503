// Runs pdf-parse 2 (pdf.js) in a plain Node worker thread. pdf.js loads part of itself with a
// dynamic import(), which Node does natively but jest's module loader cannot; the worker sits
// outside jest's loader, so tests parse PDFs with the real library on every supported Node.
const { parentPort } = require('node:worker_threads');
const { PDFParse } = require('pdf-parse');

parentPort.on('message', async ({ id, bytes }) => {
  const parser = new PDFParse({ data: bytes, verbosity: 0 });
  try {
    const result = await parser.getText({ pageJoiner: '' });
    parentPort.postMessage({ id, text: result.text, pages: result.total });
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  } finally {
    await parser.destroy();
  }
});
