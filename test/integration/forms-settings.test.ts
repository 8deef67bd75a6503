import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { SETTINGS_SPECS } from '../helpers/forms/specs-settings';
import { useWorld } from '../helpers/forms/world';

// Issue 8's hostile-input properties (see forms-records.test.ts for what they check) on the settings
// forms of issue 14: organisation and contacts, the logo upload, the policy text, and Unlock sign-in.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the settings forms and the unlock button', SETTINGS_SPECS);
