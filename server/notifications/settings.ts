import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { settingsStore } from '../settings/store';
import { planStore } from './plan-store';
import { normalizeStageSettings, parseStageSettings, STAGES, type Stage, type StageSettings } from './stages';
import { unknownPlaceholders, type Template } from './templates';

export const STAGES_SETTING = 'notification_stages';
export const TEMPLATE_SETTING_PREFIX = 'notification_template:';

export interface NotificationConfiguration {
  stages: StageSettings;
  /** Admins' overrides by stage; a stage without one uses the default template. */
  templates: Partial<Record<Stage, Template>>;
}

const isStage = (s: string): s is Stage => (STAGES as readonly string[]).includes(s);

/** The stage settings and template overrides, kept in the settings table and changed only here (audited). */
export class NotificationSettings {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  /** As saved, with the defaults wherever nothing (or nothing readable) is. */
  async current(db: Kysely<DB> = this.db): Promise<NotificationConfiguration> {
    const rows = await planStore(db).settingRows();
    const templates: Partial<Record<Stage, Template>> = {};
    for (const r of rows) {
      const stage = r.key.startsWith(TEMPLATE_SETTING_PREFIX) ? r.key.slice(TEMPLATE_SETTING_PREFIX.length) : '';
      if (!isStage(stage)) continue;
      try {
        const t = JSON.parse(r.value) as Partial<Template>;
        if (typeof t.subject === 'string' && typeof t.body === 'string') templates[stage] = { subject: t.subject, body: t.body };
      } catch {
        // A value edited by hand that does not parse: the default template is used.
      }
    }
    return { stages: parseStageSettings(rows.find((r) => r.key === STAGES_SETTING)?.value), templates };
  }

  /** Whether a person chose one weekly summary instead of individual reminders. */
  async weeklySummary(userId: number): Promise<boolean> {
    return (await planStore(this.db).preference(userId))?.weekly_summary === 1;
  }

  /** A person's own choice of reminders; false when it was already so. Audited. */
  async setWeeklySummary(actor: Actor, userId: number, on: boolean): Promise<boolean> {
    return this.uow(async (trx) => {
      const store = planStore(trx);
      if (((await store.preference(userId))?.weekly_summary === 1) === on) return false;
      await store.putPreference(userId, on, this.clock.now().toISOString());
      await appendAudit(trx, this.clock, actor, { action: 'notifications.preference_changed', subjectType: 'user', subjectId: userId, details: { weekly_summary: on } });
      return true;
    });
  }

  /** Saves the stage settings (already validated); returns the names of the fields that changed. */
  async saveStages(actor: Actor, next: StageSettings): Promise<string[]> {
    const value = normalizeStageSettings(next);
    return this.uow(async (trx) => {
      const before = (await this.current(trx)).stages;
      const changed = (Object.keys(value) as (keyof StageSettings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(value[k]));
      if (changed.length === 0) return [];
      await settingsStore(trx).put(STAGES_SETTING, JSON.stringify(value), this.clock.now().toISOString(), actor.id);
      await appendAudit(trx, this.clock, actor, {
        action: 'settings.notifications_changed', subjectType: 'settings',
        details: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: value[k] }])),
      });
      return changed;
    });
  }

  /** Saves an admin's template for a stage, or (null) goes back to the default; false when nothing changed. */
  async saveTemplate(actor: Actor, stage: Stage, template: Template | null): Promise<boolean> {
    if (template) {
      const unknown = unknownPlaceholders(stage, template);
      if (unknown.length) fail('invalid', `Unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')}.`, { body: `Unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')}.` });
    }
    return this.uow(async (trx) => {
      const before = (await this.current(trx)).templates[stage] ?? null;
      if (JSON.stringify(before) === JSON.stringify(template)) return false;
      const store = settingsStore(trx);
      const key = `${TEMPLATE_SETTING_PREFIX}${stage}`;
      if (template) await store.put(key, JSON.stringify(template), this.clock.now().toISOString(), actor.id);
      else await store.remove(key);
      await appendAudit(trx, this.clock, actor, {
        action: 'settings.template_changed', subjectType: 'settings',
        details: { stage, reset: template === null, subject: template?.subject ?? null, characters: template?.body.length ?? null },
      });
      return true;
    });
  }
}
