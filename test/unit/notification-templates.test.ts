import { STAGES } from '../../server/notifications/stages';
import { DEFAULT_TEMPLATES, render, sampleFacts, unknownPlaceholders, type OrgContext } from '../../server/notifications/templates';
import type { MessageFacts } from '../../server/notifications/planner';

const ORG: OrgContext = { orgName: 'Harbourview <Clinic> & Co', baseUrl: 'https://training.example.org', logoVersion: 'abc123' };

const overdue: MessageFacts = {
  stage: 'overdue', person: { name: 'Avery <script>alert(1)</script> Quinn' }, reminder: 2,
  obligation: { title: 'HIPAA & social media', targetType: 'course', targetId: 'hipaa-social-media', dueOn: '2027-02-01', status: 'overdue', daysLeft: -9, reason: 'Due 1 Feb 2027: 30 days after your start date.' },
};

describe('notification templates', () => {
  it('every stage renders a subject, a text and an HTML part with no placeholder left over', () => {
    for (const stage of STAGES) {
      const m = render(sampleFacts(stage), ORG);
      expect(m.subject.length).toBeGreaterThan(0);
      expect(m.subject).not.toMatch(/[\r\n]/);
      expect(`${m.subject}${m.text}${m.html}`).not.toMatch(/\{\{/);
      expect(m.text).toContain(ORG.orgName);
      expect(m.html).toContain('Harbourview &lt;Clinic&gt; &amp; Co');
      expect(unknownPlaceholders(stage, DEFAULT_TEMPLATES[stage])).toEqual([]);
    }
  });

  it('a reminder carries the due date, the due-date sentence and the link to the course', () => {
    const m = render(overdue, ORG);
    expect(m.subject).toBe('Overdue: HIPAA & social media');
    expect(m.text).toContain('was due on 1 Feb 2027');
    expect(m.text).toContain('Due 1 Feb 2027: 30 days after your start date.');
    expect(m.text).toContain('reminder 2');
    expect(m.text).toContain('https://training.example.org/courses/hipaa-social-media');
    expect(m.html).toContain('<a href="https://training.example.org/courses/hipaa-social-media">');
  });

  it('values are escaped in the HTML part, and the logo comes from the public address', () => {
    const m = render(overdue, ORG);
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('Avery &lt;script&gt;alert(1)&lt;/script&gt; Quinn');
    expect(m.html).toContain('HIPAA &amp; social media');
    expect(m.html).toContain('<img src="https://training.example.org/settings/logo?v=abc123"');
    expect(render(overdue, { ...ORG, logoVersion: null }).html).not.toContain('<img');
  });

  it('an admin override is plain text: its markup is escaped, its placeholders filled', () => {
    const m = render(overdue, ORG, { subject: 'Late: {{title}}\nBcc: x@evil.test', body: '<b>Hi</b> {{name}}, see {{link}}' });
    expect(m.subject).toBe('Late: HIPAA & social media Bcc: x@evil.test');
    expect(m.html).toContain('&lt;b&gt;Hi&lt;/b&gt; Avery');
    expect(m.text).toContain('<b>Hi</b> Avery <script>alert(1)</script> Quinn, see https://training.example.org/courses/hipaa-social-media');
  });

  it('a placeholder a stage does not have is reported, and left as typed rather than filled with anything', () => {
    expect(unknownPlaceholders('overdue', { subject: '{{title}}', body: '{{quiz_answers}} {{score}} {{link}}' })).toEqual(['quiz_answers', 'score']);
    expect(unknownPlaceholders('invitation', { subject: '{{title}}', body: '{{link}}' })).toEqual(['title']);
    expect(render(overdue, ORG, { subject: 's', body: '{{quiz_answers}}' }).text).toContain('{{quiz_answers}}');
  });

  it('the digest groups people by overdue, due soon and in progress; the certificate links to the verify page', () => {
    const digest = render({
      stage: 'digest', person: { name: 'Morgan Lead' }, rows: [
        { name: 'Riley', userId: 2, title: 'Course A', dueOn: '2027-01-10', group: 'overdue' },
        { name: 'Sam', userId: 3, title: 'Course A', dueOn: '2027-02-10', group: 'in-progress' },
        { name: 'Kim', userId: 4, title: 'Course B', dueOn: '2027-02-01', group: 'due-soon' },
      ],
    }, ORG);
    expect(digest.text).toContain([
      'Overdue:', '- Riley: Course A, due 10 Jan 2027', '  https://training.example.org/team/people/2', '',
      'Due soon:', '- Kim: Course B, due 1 Feb 2027', '  https://training.example.org/team/people/4', '',
      'In progress:', '- Sam: Course A, due 10 Feb 2027', '  https://training.example.org/team/people/3',
    ].join('\n'));
    expect(digest.html).toContain('<a href="https://training.example.org/team/people/2">');
    expect(digest.text).toContain('https://training.example.org/team');
    const cert = render(sampleFacts('certificate-issued'), ORG);
    expect(cert.text).toContain('https://training.example.org/verify/SAMPLE-CODE');
  });
});
