import { ASSIGNMENT_SPECS } from './specs-assignments';
import { AUTH_SPECS } from './specs-auth';
import { LEARNING_SPECS } from './specs-learning';
import { PEOPLE_SPECS } from './specs-people';
import { RECORDS_SPECS } from './specs-records';
import { SETTINGS_SPECS } from './specs-settings';
import { POLICY_SPECS } from './specs-policies';
import type { Spec } from './types';

/** Every POST route's spec: forms-coverage.test.ts fails when a route has none. */
export const SPECS: Record<string, Spec> = { ...PEOPLE_SPECS, ...RECORDS_SPECS, ...LEARNING_SPECS, ...AUTH_SPECS, ...SETTINGS_SPECS, ...ASSIGNMENT_SPECS, ...POLICY_SPECS };
