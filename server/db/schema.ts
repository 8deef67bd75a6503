import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Role = 'learner' | 'manager' | 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['learner', 'manager', 'admin', 'auditor'];
export type UserStatus = 'active' | 'deactivated';
export type TokenPurpose = 'setup' | 'set-password';

export interface DepartmentsTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  path_key: string;
  created_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  employee_id: string | null;
  email: string;
  email_normalized: string;
  name: string;
  role: Role;
  department_id: number | null;
  manager_id: number | null;
  hire_date: string | null;
  status: Generated<UserStatus>;
  deactivated_at: Generated<string | null>;
  password_hash: string | null;
  failed_logins: Generated<number>;
  locked_until: string | null;
  last_login_at: string | null;
  /** 1: an accessibility accommodation, no minimum lesson time for this person. */
  untimed_lessons: Generated<number>;
  /** HR job code (assignment audiences match it) and its title, both optional (migration 0016). */
  job_code: Generated<string | null>;
  job_title: Generated<string | null>;
  /** SCIM (migration 0022): the provider's id, its userName as sent and in lower case, and the name parts it sent. */
  external_id: Generated<string | null>;
  scim_user_name: Generated<string | null>;
  scim_user_name_key: Generated<string | null>;
  given_name: Generated<string | null>;
  family_name: Generated<string | null>;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  sid: string;
  data: string;
  user_id: number | null;
  expires_at: string;
}

export interface OneTimeTokensTable {
  id: Generated<number>;
  token_hash: string;
  purpose: TokenPurpose;
  user_id: number | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  occurred_at: string;
  actor_id: number | null;
  actor_label: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
  /** Fingerprint of the audit key that sealed the event; null for events written before keys existed. */
  key_id: string | null;
}

export interface LessonProgressTable {
  user_id: number;
  course_id: string;
  cycle: string;
  lesson_id: string;
  current_scene_id: string | null;
  content_hash: string;
  started_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface SceneAnswersTable {
  id: Generated<number>;
  user_id: number;
  course_id: string;
  cycle: string;
  lesson_id: string;
  scene_id: string;
  choice_id: string;
  outcome: string;
  next_scene_id: string;
  content_hash: string;
  answered_at: string;
  /** Spot-the-PHI answers: JSON list of the phrase ids the learner ticked (migration 0014); null for a choice. */
  marks: string | null;
}

export interface QuizAttemptsTable {
  id: Generated<number>;
  user_id: number;
  course_id: string;
  cycle: string;
  content_hash: string;
  served: string;
  started_at: string;
  submitted_at: string | null;
  answers: string | null;
  correct_count: number | null;
  question_count: number;
  score: number | null;
  passed: number | null;
}

/** An answer of an open quiz attempt, saved as it was chosen (migration 0011). */
export interface QuizSavedAnswersTable {
  attempt_id: number;
  question_id: string;
  /** JSON array of the chosen choice ids. */
  choices: string;
  saved_at: string;
}

export interface AttestationsTable {
  id: Generated<number>;
  user_id: number;
  course_id: string;
  attempt_id: number;
  policy_title: string;
  policy_version: string;
  policy_hash: string;
  typed_name: string;
  attested_at: string;
  /** The policy_texts version signed; null when the course file's own policy text was shown. */
  policy_text_version: Generated<number | null>;
}

export type CompletionSource = 'quiz' | 'in-person' | 'import';

export interface CompletionsTable {
  id: Generated<number>;
  user_id: number;
  course_id: string;
  cycle: string;
  due_on: string | null;
  content_hash: string | null;
  attempt_id: number | null;
  attestation_id: number | null;
  score: number | null;
  completed_at: string;
  /** Last day the completion counts (inclusive), in the organisation's calendar. */
  valid_until: string;
  source: CompletionSource;
  recorded_by: number | null;
  details: Generated<string>;
  created_at: string;
  /** Quiz completions: seconds from the first lesson opened to the passing quiz submitted. */
  study_seconds: Generated<number | null>;
  /** The summed minimum lesson time it is measured against. */
  min_study_seconds: Generated<number | null>;
  pace: Generated<'ok' | 'fast' | null>;
}

export type CertificateStatus = 'valid' | 'revoked' | 'replaced';

export interface CertificatesTable {
  id: Generated<number>;
  completion_id: number;
  code: string;
  code_hash: string;
  learner_name: string;
  course_title: string;
  course_version: string;
  issued_at: string;
  status: Generated<CertificateStatus>;
  revoked_at: string | null;
  revoked_reason: string | null;
  replaced_by: number | null;
}

/** The status index: per person and course, the dates their status changes on (training/status-index.ts keeps it). */
export interface StatusIndexTable {
  user_id: number;
  course_id: string;
  cycle: string;
  kind: 'onboarding' | 'annual';
  due_on: string;
  opens_on: string;
  grace_until: string;
  valid_until: string;
  started: number;
  last_completion_id: number | null;
  last_completed_on: string | null;
  last_valid_until: string | null;
  score: number | null;
  content_hash: string | null;
  certificate_id: number | null;
  certificate_code: string | null;
  source: string | null;
  recorded_by: number | null;
  pace: 'ok' | 'fast' | null;
  policy_key: string;
  updated_at: string;
  /** 'course' or 'policy' (course_id then holds the policy's slug). */
  target_type: Generated<'course' | 'policy'>;
  /** The day the person became obligated, and what the due-date sentence is made from. */
  since: Generated<string>;
  reason_kind: Generated<ObligationStartKind>;
  reason_on: Generated<string | null>;
  reason_group: Generated<string | null>;
  /** Set when the due date is the roll-out window from reason_on (a roll-out, a transfer, an exemption's end); null: onboarding or the annual cycle. */
  reason_days: Generated<number | null>;
  /** ",3,7,": the assignment rules behind the obligation (empty: the default, every course to everyone). */
  assignment_ids: Generated<string>;
  assignment_names: Generated<string>;
  exemption_id: Generated<number | null>;
  exempt_from: Generated<string | null>;
  exempt_until: Generated<string | null>;
  exempt_reason: Generated<string | null>;
}

/** Why an obligation began when it did: hired into it, rolled out to existing staff, joined its audience, or an exemption ended. */
/** 'added': the person's record was added after their window would have begun (an import after the roll-out): the window counts from then. */
export type ObligationStartKind = 'hire' | 'rollout' | 'joined' | 'returned' | 'added';

/** An assignment rule (migration 0016): a course or policy for an audience from a day on. */
export interface AssignmentsTable {
  id: Generated<number>;
  name: string;
  target_type: 'course' | 'policy';
  target_id: string;
  /** JSON: {"everyone":bool,"departmentIds":[],"roles":[],"jobCodes":[]}. */
  audience: string;
  starts_on: string;
  rollout_days: number;
  ends_on: string | null;
  created_at: string;
  created_by: number | null;
  updated_at: string;
}

export type AssignmentChange = 'first' | 'created' | 'edited' | 'ended';

/** Every value an assignment rule has had, from the day it took effect (migration 0019); never updated. */
export interface AssignmentVersionsTable {
  id: Generated<number>;
  assignment_id: number;
  effective_on: string;
  /** 'first': the values a rule made before versions existed had until its first change. */
  change: AssignmentChange;
  name: string;
  target_type: 'course' | 'policy';
  target_id: string;
  audience: string;
  starts_on: string;
  rollout_days: number;
  ends_on: string | null;
  recorded_at: string;
  recorded_by: number | null;
}

/** A person's department, role and job code from a day on (migration 0016). */
export interface PersonHistoryTable {
  id: Generated<number>;
  user_id: number;
  effective_on: string;
  department_id: number | null;
  role: Role;
  job_code: string | null;
  recorded_at: string;
  recorded_by: number | null;
}

/** A person excused from an assignment, with reason, approver, optional end and evidence file (migration 0016). */
export interface ExemptionsTable {
  id: Generated<number>;
  user_id: number;
  assignment_id: number;
  reason: string;
  starts_on: string;
  /** Last exempt day; null: until ended by hand. */
  until: string | null;
  approved_by: number | null;
  approver_name: string;
  evidence_name: string | null;
  evidence_type: string | null;
  evidence_sha256: string | null;
  /** The evidence file as base64 (as the organisation logo is kept, so both engines store it alike). */
  evidence_data: string | null;
  created_at: string;
  ended_at: string | null;
  ended_by: number | null;
}

/** The next day a person's obligations change without a write (a rule starting or ending). */
export interface StatusRecheckTable {
  user_id: number;
  on_day: string;
}

/** Failures in a row per typed e-mail address (keyed hash), known or not. */
export interface SignInThrottleTable {
  account_key: string;
  failures: number;
  locked_until: string | null;
  last_failure_at: string;
}

/** A browser a person has signed in from: SHA-256 of its device cookie. */
export interface SignInDevicesTable {
  token_hash: string;
  user_id: number;
  failures: Generated<number>;
  created_at: string;
  last_used_at: string;
}

/** A setting changed in the app; a key without a row keeps its environment default. */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
  updated_by: number | null;
}

/** The organisation's logo: at most one row (id 1), the checked image as base64. */
export interface OrganisationLogoTable {
  id: number;
  media_type: 'image/png' | 'image/svg+xml';
  data: string;
  sha256: string;
  uploaded_at: string;
  uploaded_by: number | null;
}

/** Every version of the policy text shown for attestation; a change inserts the next version. */
export interface PolicyTextsTable {
  version: number;
  /** The course whose attestation shows this version (migration 0018; earlier versions: hipaa-social-media). */
  course_id: string | null;
  title: string;
  text: string;
  text_hash: string;
  created_at: string;
  created_by: number | null;
}

/** A policy text exactly as signed, by the hash its attestations store (migration 0013). */
export interface SignedPolicyTextsTable {
  policy_hash: string;
  title: string;
  version: string;
  text_html: string;
  first_signed_at: string;
}

/** A policy document (issue 16), named by its slug; its text lives in its versions. */
export interface PoliciesTable {
  id: Generated<number>;
  slug: string;
  created_at: string;
  created_by: number | null;
}

export type PolicyChangeKind = 'material' | 'correction';

/** One published version of a policy: its exact text and that text's hash; never edited. */
export interface PolicyVersionsTable {
  id: Generated<number>;
  policy_id: number;
  /** 1, 2, 3… in publishing order within the policy (the label is the admin's free text). */
  seq: number;
  label: string;
  title: string;
  text: string;
  text_hash: string;
  change_kind: PolicyChangeKind;
  change_note: string;
  min_read_seconds: number | null;
  published_at: string;
  published_by: number | null;
  /** When the next version was published: the last moment this one was in effect. */
  superseded_at: string | null;
  /** When acknowledgements of this version stopped counting (the next material version's publication). */
  acks_lapse_at: string | null;
}

export interface PolicyReadsTable {
  user_id: number;
  policy_version_id: number;
  opened_at: string;
}

export interface PolicyAcknowledgementsTable {
  id: Generated<number>;
  user_id: number;
  policy_version_id: number;
  typed_name: string;
  opened_at: string;
  acknowledged_at: string;
  /** sha256 over the version's text hash and this acknowledgement's facts (policies/hash.ts). */
  ack_hash: string;
}

/** 'cancelled': not sent because nobody needs it any more (an invitation to someone who chose a password or was deactivated first). */
export type OutboxState = 'queued' | 'sending' | 'sent' | 'failed' | 'undeliverable' | 'cancelled';
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'sent', 'failed', 'undeliverable', 'cancelled'];

/** One e-mail (migration 0020): created once per key, claimed by a sender with a lease, sent at least once. */
/** A person's choice of one weekly summary instead of individual reminders (migration 0021). */
export interface NotificationPreferencesTable {
  user_id: number;
  weekly_summary: number;
  updated_at: string;
}

export interface OutboxTable {
  id: Generated<number>;
  key: string;
  user_id: number | null;
  to_address: string;
  /** JSON array of addresses. */
  cc_addresses: Generated<string>;
  stage: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** The Message-ID's left-hand side, fixed at insert from the key; the header adds MAIL_FROM's domain. */
  message_id: string;
  state: Generated<OutboxState>;
  attempts: Generated<number>;
  next_attempt_at: string;
  claimed_until: string | null;
  claim_token: string | null;
  /** JSON array of the recipients that already accepted this message. */
  delivered_to: Generated<string>;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export type MailAddressSource = 'smtp-5xx' | 'dsn';

/** An address that answered a permanent failure (migration 0020); stored lower-cased. */
export interface MailAddressesTable {
  address: string;
  undeliverable_at: string;
  reason: string;
  source: MailAddressSource;
}

/** A SCIM bearer token (migration 0022): only its hash is kept. */
export interface ScimTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export type PasswordResetOutcome = 'pending' | 'queued' | 'nobody' | 'limited' | 'expired';

/** A "forgot password" request (migration 0023): the address and IP as keyed hashes only. */
export interface PasswordResetRequestsTable {
  id: Generated<number>;
  address_key: string;
  ip_key: string;
  user_id: number | null;
  outcome: PasswordResetOutcome;
  created_at: string;
  handled_at: string | null;
}

/** Issue 18 SSO (migration 0025): a person's account at one identity provider. */
export interface SsoIdentitiesTable {
  id: Generated<number>;
  user_id: number;
  protocol: 'oidc' | 'saml';
  /** OIDC issuer, or the SAML IdP entity ID. */
  issuer: string;
  /** OIDC sub, or the SAML NameID. */
  subject: string;
  created_at: string;
  last_sign_in_at: string | null;
}

/** A login request this server started (single use, short-lived); the state itself is never stored. */
export interface SsoRequestsTable {
  id: Generated<number>;
  protocol: 'oidc' | 'saml';
  state_hash: string;
  nonce: string | null;
  code_verifier: string | null;
  return_to: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** SAML assertion IDs already accepted, kept until the assertion expires (replay refusal). */
export interface SsoSeenAssertionsTable {
  id: Generated<number>;
  issuer: string;
  assertion_id: string;
  expires_at: string;
}

/** Issue 19 (migration 0026): a rate limiter's counter, shared by every instance on the database. */
export interface RateLimitHitsTable {
  /** `<limiter>:<keyed SHA-256 of the limiter's key>`: never the raw IP or address. */
  key: string;
  hits: number;
  /** ISO time the window ends; after it the counter is dead. */
  reset_at: string;
}

/** Issue 19 (migration 0026): one row per scheduler tick that ran, (name, slot) unique across instances. */
export interface SchedulerTicksTable {
  name: string;
  /** floor(now_ms / interval_ms). */
  slot: number;
  /** `<hostname>:<pid>` of the process that ran the tick. */
  instance: string;
  claimed_at: string;
}

export interface DB {
  departments: DepartmentsTable;
  users: UsersTable;
  sessions: SessionsTable;
  one_time_tokens: OneTimeTokensTable;
  audit_events: AuditEventsTable;
  lesson_progress: LessonProgressTable;
  scene_answers: SceneAnswersTable;
  quiz_attempts: QuizAttemptsTable;
  quiz_saved_answers: QuizSavedAnswersTable;
  attestations: AttestationsTable;
  completions: CompletionsTable;
  certificates: CertificatesTable;
  status_index: StatusIndexTable;
  sign_in_throttle: SignInThrottleTable;
  sign_in_devices: SignInDevicesTable;
  settings: SettingsTable;
  organisation_logo: OrganisationLogoTable;
  policy_texts: PolicyTextsTable;
  signed_policy_texts: SignedPolicyTextsTable;
  assignments: AssignmentsTable;
  assignment_versions: AssignmentVersionsTable;
  person_history: PersonHistoryTable;
  exemptions: ExemptionsTable;
  status_recheck: StatusRecheckTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  policy_reads: PolicyReadsTable;
  policy_acknowledgements: PolicyAcknowledgementsTable;
  outbox: OutboxTable;
  mail_addresses: MailAddressesTable;
  notification_preferences: NotificationPreferencesTable;
  scim_tokens: ScimTokensTable;
  password_reset_requests: PasswordResetRequestsTable;
  sso_identities: SsoIdentitiesTable;
  sso_requests: SsoRequestsTable;
  sso_seen_assertions: SsoSeenAssertionsTable;
  rate_limit_hits: RateLimitHitsTable;
  scheduler_ticks: SchedulerTicksTable;
}

export type User = Selectable<UsersTable>;
export type ScimToken = Selectable<ScimTokensTable>;
export type SsoIdentity = Selectable<SsoIdentitiesTable>;
export type SsoRequest = Selectable<SsoRequestsTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Department = Selectable<DepartmentsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type LessonProgress = Selectable<LessonProgressTable>;
export type SceneAnswer = Selectable<SceneAnswersTable>;
export type QuizAttempt = Selectable<QuizAttemptsTable>;
export type Attestation = Selectable<AttestationsTable>;
export type Completion = Selectable<CompletionsTable>;
export type Certificate = Selectable<CertificatesTable>;
export type StatusIndexRow = Selectable<StatusIndexTable>;
export type AssignmentRow = Selectable<AssignmentsTable>;
export type AssignmentVersionRow = Selectable<AssignmentVersionsTable>;
export type PersonHistoryRow = Selectable<PersonHistoryTable>;
export type Exemption = Selectable<ExemptionsTable>;
export type PolicyVersion = Selectable<PolicyVersionsTable>;
export type PolicyAcknowledgement = Selectable<PolicyAcknowledgementsTable>;
