import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_learning';
import * as m0003 from './0003_training';
import * as m0004 from './0004_training_status';
import * as m0005 from './0005_report_indexes';
import * as m0006 from './0006_sign_in_throttle';
import * as m0007 from './0007_learning_pace';
import * as m0008 from './0008_audit_key';
import * as m0009 from './0009_sessions_without_links';
import * as m0010 from './0010_status_index_name';
import * as m0011 from './0011_quiz_saved_answers';
import * as m0012 from './0012_settings';
import * as m0013 from './0013_signed_policy_texts';
import * as m0014 from './0014_scene_answer_marks';
import * as m0016 from './0016_assignments';
import * as m0017 from './0017_policies';
import * as m0018 from './0018_policy_text_course';
import * as m0019 from './0019_assignment_versions';
import * as m0020 from './0020_outbox';
import * as m0021 from './0021_notification_preferences';
import * as m0022 from './0022_scim';
import * as m0023 from './0023_password_resets';
import * as m0024 from './0024_token_person_index';
import * as m0025 from './0025_sso';
import * as m0026 from './0026_shared_limits';

// An explicit list rather than a folder scan: the same code then runs from .ts under jest and from
// compiled .js in dist/, and a migration can never be skipped because of a file-name typo.
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_learning': m0002,
  '0003_training': m0003,
  '0004_training_status': m0004,
  '0005_report_indexes': m0005,
  '0006_sign_in_throttle': m0006,
  '0007_learning_pace': m0007,
  '0008_audit_key': m0008,
  '0009_sessions_without_links': m0009,
  '0010_status_index_name': m0010,
  '0011_quiz_saved_answers': m0011,
  '0012_settings': m0012,
  '0013_signed_policy_texts': m0013,
  '0014_scene_answer_marks': m0014,
  '0016_assignments': m0016,
  '0017_policies': m0017,
  '0018_policy_text_course': m0018,
  '0019_assignment_versions': m0019,
  '0020_outbox': m0020,
  '0021_notification_preferences': m0021,
  '0022_scim': m0022,
  '0023_password_resets': m0023,
  '0024_token_person_index': m0024,
  '0025_sso': m0025,
  '0026_shared_limits': m0026,
};
