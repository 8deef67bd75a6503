import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Policy } from '../content/catalogue';
import { fillContacts, unsetPlaceholders, type Contacts } from '../content/contacts';
import type { Placeholder } from '../content/placeholders';
import { renderMarkdown } from '../content/markdown';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { checkLogo, LOGO_MEDIA_TYPE, type LogoType } from './logo';
import { settingsStore } from './store';

/** The settings an admin edits on the settings page, by their key in the settings table. */
export const SETTING_KEYS = ['org_name', 'privacy_officer_name', 'privacy_officer_email', 'privacy_officer_phone', 'hotline', 'base_url'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type SettingValues = Record<SettingKey, string>;

export const SETTING_LABELS: Readonly<Record<SettingKey, string>> = {
  org_name: 'Organisation name', privacy_officer_name: 'Privacy officer', privacy_officer_email: 'Privacy officer email',
  privacy_officer_phone: 'Privacy officer phone', hotline: 'Anonymous hotline', base_url: 'Public address (base URL)',
};

/** What pages, certificates and evidence packs read: settings over the environment's defaults. */
export interface CurrentSettings {
  orgName: string;
  /** Without a trailing slash: certificate QR codes and emailed links start with it. */
  baseUrl: string;
  /** Whether baseUrl came from the settings page (else from BASE_URL or its localhost default). */
  baseUrlFromSettings: boolean;
  privacyOfficer: { name: string; email: string; phone: string };
  hotline: string;
  /** The logo's type and hash (the hash names its URL, so a new logo is never served from a cache). */
  logo: { type: LogoType; sha256: string } | null;
  /** The values as the settings form shows them. */
  values: SettingValues;
}

/**
 * The policy a person is shown and signs: the latest version saved in settings for that course, or the
 * course file's, with its contact placeholders filled from the settings (textHtml is the text as read and signed).
 */
export interface ShownPolicy extends Policy {
  /** policy_texts.version when the text came from settings; null for the course file's text. */
  settingsVersion: number | null;
  /** Placeholders the text uses whose contact is not configured (shown with neutral wording). */
  unsetContacts?: Placeholder[];
}

/** The contacts course text names by placeholder (content/contacts.ts). */
export function contactsOf(current: CurrentSettings): Contacts {
  return {
    organisation: current.orgName, privacyOfficer: current.privacyOfficer.name, privacyOfficerEmail: current.privacyOfficer.email,
    privacyOfficerPhone: current.privacyOfficer.phone, hotline: current.hotline,
  };
}

/** Logo bytes as the PDF renderers take them. */
export interface LogoImage {
  type: LogoType;
  data: Buffer;
}

/**
 * Another instance (PostgreSQL, several servers) may change a setting: a cached copy is read again
 * after this long. Within one process a change clears the cache at once.
 */
const CACHE_MS = 5_000;

interface Snapshot {
  at: number;
  current: CurrentSettings;
  /** The latest settings version of each course's policy, by course id. */
  policies: Map<string, ShownPolicy>;
}

const normalizeText = (s: string) => s.replace(/\r\n?/g, '\n').trim();

export class Settings {
  private cached: Snapshot | undefined;
  /** The read in flight: requests arriving while the cache is refreshed wait for the same read. */
  private reading: Promise<Snapshot> | undefined;
  private generation = 0;

  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly config: Config) {}

  /** Settings as they are now (cached for a few seconds; at once after a change in this process). */
  async current(): Promise<CurrentSettings> {
    return (await this.snapshot()).current;
  }

  /**
   * The policy text shown for attestation of this course, with the version it is signed as. Contacts
   * are filled in as a learner reads them (neutral wording where unset, never an admin's marker), so
   * what is hashed and kept with the attestation is the text as signed.
   */
  async policyFor(course: { id: string; policy: Policy }): Promise<ShownPolicy> {
    const { policies, current } = await this.snapshot();
    const shown = policies.get(course.id) ?? { ...course.policy, settingsVersion: null };
    const contacts = contactsOf(current);
    return { ...shown, textHtml: fillContacts(shown.textHtml, contacts, { markUnset: false }), unsetContacts: unsetPlaceholders(shown.text, contacts) };
  }

  /** A course's saved policy versions, newest first (for the settings page). */
  async policyVersions(courseId: string) {
    return settingsStore(this.db).policyVersions(courseId);
  }

  /** The latest policy text saved in settings for a course, if any, as the form shows it. */
  async latestPolicyText(courseId: string) {
    return settingsStore(this.db).latestPolicy(courseId);
  }

  /**
   * What the PDF renderers take about the organisation (certificates, evidence packs): its name and,
   * when one is set, the logo's bytes.
   */
  async organisation(): Promise<{ orgName: string; logo?: LogoImage }> {
    const [current, logo] = await Promise.all([this.current(), this.logoImage()]);
    return logo ? { orgName: current.orgName, logo } : { orgName: current.orgName };
  }

  /** The logo for PDFs, or undefined when none is set. */
  async logoImage(): Promise<LogoImage | undefined> {
    const row = await settingsStore(this.db).logo();
    if (!row) return undefined;
    return { type: row.media_type === 'image/png' ? 'png' : 'svg', data: Buffer.from(row.data, 'base64') };
  }

  /** The logo as served at its URL. */
  async logoFile(): Promise<{ mediaType: string; data: Buffer; sha256: string } | undefined> {
    const row = await settingsStore(this.db).logo();
    return row ? { mediaType: row.media_type, data: Buffer.from(row.data, 'base64'), sha256: row.sha256 } : undefined;
  }

  /**
   * Saves the settings form's values (already validated by the route's schema). Only what changed is
   * written, with one audit event naming each change; an empty base URL goes back to BASE_URL.
   */
  async update(actor: Actor, values: SettingValues): Promise<SettingKey[]> {
    const changed = await this.uow(async (trx) => {
      const before = (await this.read(trx)).current.values;
      const keys = SETTING_KEYS.filter((k) => before[k] !== values[k]);
      if (keys.length === 0) return keys;
      const store = settingsStore(trx);
      const now = this.clock.now().toISOString();
      for (const k of keys) {
        if (k === 'base_url' && values[k] === '') await store.remove(k);
        else await store.put(k, values[k], now, actor.id);
      }
      await appendAudit(trx, this.clock, actor, {
        action: 'settings.updated', subjectType: 'settings',
        details: Object.fromEntries(keys.map((k) => [k, { from: before[k], to: values[k] }])),
      });
      return keys;
    });
    this.invalidate();
    return changed;
  }

  /** Replaces the logo after checking its content; a problem is a RuleError naming the file field. */
  async setLogo(actor: Actor, data: Buffer): Promise<LogoType> {
    const check = checkLogo(data);
    if (!check.ok) fail('invalid', check.problem, { file: check.problem });
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    await this.uow(async (trx) => {
      const store = settingsStore(trx);
      const previous = await store.logoInfo();
      await store.putLogo({ media_type: LOGO_MEDIA_TYPE[check.type], data: data.toString('base64'), sha256, uploaded_at: this.clock.now().toISOString(), uploaded_by: actor.id });
      await appendAudit(trx, this.clock, actor, {
        action: 'settings.logo_changed', subjectType: 'settings',
        details: { type: check.type, bytes: data.length, sha256, previous: previous?.sha256 ?? null },
      });
    });
    this.invalidate();
    return check.type;
  }

  /** Removes the logo; false when there was none (nothing is written then). */
  async removeLogo(actor: Actor): Promise<boolean> {
    const removed = await this.uow(async (trx) => {
      const store = settingsStore(trx);
      const previous = await store.logoInfo();
      if (!previous) return false;
      await store.removeLogo();
      await appendAudit(trx, this.clock, actor, { action: 'settings.logo_removed', subjectType: 'settings', details: { previous: previous.sha256 } });
      return true;
    });
    this.invalidate();
    return removed;
  }

  /**
   * Saves the policy text shown at a course's attestation as a new version; the same title and text as
   * that course's latest version is no change. Attestations already signed keep the version they name.
   * Versions of every course share one sequence of numbers (the route checks the course exists).
   */
  async savePolicy(actor: Actor, courseId: string, title: string, text: string): Promise<number | undefined> {
    const version = await this.uow(async (trx) => {
      const store = settingsStore(trx);
      const latest = await store.latestPolicy(courseId);
      const body = normalizeText(text);
      if (latest && latest.title === title && latest.text === body) return undefined;
      const next = (await store.lastVersion()) + 1;
      const textHash = crypto.createHash('sha256').update(`${title}\n${next}\n${body}`).digest('hex');
      await store.insertPolicy({ version: next, course_id: courseId, title, text: body, text_hash: textHash, created_at: this.clock.now().toISOString(), created_by: actor.id });
      await appendAudit(trx, this.clock, actor, {
        action: 'settings.policy_changed', subjectType: 'policy', subjectId: next,
        details: { version: next, course_id: courseId, previous: latest?.version ?? null, title, text_hash: textHash, characters: body.length },
      });
      return next;
    });
    this.invalidate();
    return version;
  }

  private async snapshot(): Promise<Snapshot> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached;
    if (!this.reading) {
      const reading = this.read(this.db);
      this.reading = reading;
      // A change made while this read ran clears the cache; what this read saw is then not kept.
      const generation = this.generation;
      reading.then((s) => { if (this.generation === generation) this.cached = s; }, () => undefined)
        .finally(() => { if (this.reading === reading) this.reading = undefined; });
    }
    return this.reading;
  }

  /** Forgets the cached settings after a change, including a read that started before it. */
  private invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.reading = undefined;
  }

  private async read(db: Kysely<DB>): Promise<Snapshot> {
    const store = settingsStore(db);
    const rows = new Map((await store.all()).map((r) => [r.key, r.value]));
    const c = this.config;
    const values: SettingValues = {
      org_name: rows.get('org_name') ?? c.orgName,
      privacy_officer_name: rows.get('privacy_officer_name') ?? '',
      privacy_officer_email: rows.get('privacy_officer_email') ?? '',
      privacy_officer_phone: rows.get('privacy_officer_phone') ?? '',
      hotline: rows.get('hotline') ?? '',
      base_url: rows.get('base_url') ?? '',
    };
    const logo = await store.logoInfo();
    const latest = await store.latestPolicies();
    return {
      at: Date.now(),
      current: {
        orgName: values.org_name,
        baseUrl: values.base_url ? values.base_url.replace(/\/+$/, '') : c.baseUrl,
        baseUrlFromSettings: values.base_url !== '',
        privacyOfficer: { name: values.privacy_officer_name, email: values.privacy_officer_email, phone: values.privacy_officer_phone },
        hotline: values.hotline,
        logo: logo ? { type: logo.media_type === 'image/png' ? 'png' : 'svg', sha256: logo.sha256 } : null,
        values,
      },
      policies: new Map(latest.filter((p) => p.course_id !== null).map((p) => [p.course_id!, {
        title: p.title, version: String(p.version), text: p.text, textHtml: renderMarkdown(p.text), settingsVersion: p.version,
      }])),
    };
  }
}
