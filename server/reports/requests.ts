import { z } from 'zod';
import { idParam, queryValue, type RequestSchemas } from '../http/validate';
import { reportQuery } from './filters';

/** The report filters (refused with a 400 and a sentence when they cannot be used; see parseReportQuery). */
export { reportQuery };

/** Whose evidence: one person, or one department with its sub-departments (ids exactly as linked, no spaces). */
export const evidenceQuery = z.object({
  person: queryValue(idParam),
  department: queryValue(idParam),
});

/** The certificate ZIP: the report filters, and `every_course=1` for the certificates of every course, a folder each. */
export const certificatesZipScope = z.object({
  every_course: queryValue((v) => v === '1'),
});
export const certificatesZipQuery = reportQuery.extend(certificatesZipScope.shape);

/** A policy's report: the course report's filters but the course (the policy is in the path), the cycle and "as of". */
export const policyReportQuery = reportQuery.omit({ course: true, cycle: true, as_of: true });

export const REPORT_REQUESTS = {
  'GET /reports/policies/:slug': policyReportQuery,
  'GET /reports/policies/:slug/export.csv': policyReportQuery,
  'GET /team': reportQuery,
  'GET /reports': reportQuery,
  'GET /reports/export.csv': reportQuery,
  'GET /reports/certificates.zip': certificatesZipQuery,
  'GET /reports/evidence.pdf': evidenceQuery,
  'GET /reports/evidence.csv': evidenceQuery,
} satisfies RequestSchemas;
