/** What every scanner step is given: where to write, what to attack, as whom, and how long it may take. */
export interface ScanContext {
  /** The run's temp folder: logs, reports and the scanners' output go here. */
  root: string;
  base: string;
  proxyUrl: string;
  /** The demo admin's session cookie. */
  admin: string;
  baseline: { query: string; code: string; course: string; rows: number };
  /** A step's limit: its own, or what is left of the budget. */
  limit: (ownSeconds: number) => number;
  scannerEnv: NodeJS.ProcessEnv;
}
