import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { POLICY_SPECS } from '../helpers/forms/specs-policies';
import { useWorld } from '../helpers/forms/world';

// Issue 8's hostile-input properties (see forms-records.test.ts for what they check) on the policy
// forms of issue 16: publishing a version (and its preview) and a learner signing one.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the policy forms', POLICY_SPECS);
