import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { ASSIGNMENT_SPECS } from '../helpers/forms/specs-assignments';
import { useWorld } from '../helpers/forms/world';

// Issue 8's hostile-input properties (see forms-records.test.ts for what they check) on the assignment
// forms of issue 16: a rule (preview or save), ending one, granting and ending an exemption.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the assignment and exemption forms', ASSIGNMENT_SPECS);
