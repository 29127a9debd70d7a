import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { eventually } from '../support/eventually';
import { browserSession } from './support/browser-session';
import { DEMO_PASSWORD, launchChromium, screenshotPath, startPlatform, type RunningPlatform } from './support/platform';

/**
 * The web client in a real browser (Debian's chromium through playwright-core) against the platform
 * as `npm start` runs it, with the demo data: patient1 shares their record with Northfield,
 * patient2 does not. Screenshots land in test-artifacts/.
 */
const BAYVIEW_PHYSICIAN = 'physician@bayview-regional-hospital.demo';
const NORTHFIELD_PHYSICIAN = 'physician@northfield-university-hospital.demo';
const BAYVIEW_BILLING = 'billing@bayview-regional-hospital.demo';

const ME = '{ me { ... on UserAccount { patientId displayName } } }';
/** How the comment box writes a mention of `name` (CommentPanel's mentionHandle): "Ana Müller" → "@Ana.Müller". */
/** How long a live change may take to show: well under the inbox's 30 s poll, so only the socket can make it. */
const LIVE_MS = 10_000;
const handleOf = (name: string) => `@${name.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('.')}`;

describe('web client in the browser', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let patient1: string;
  let patient2: string;
  /** The demo physicians are named after the practitioners they are (the demo data's, e.g. "Ana Müller"). */
  let bayviewName: string;
  let northfieldName: string;
  const inBrowser = browserSession(() => ({ browser, platform }));

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startPlatform({ demoPatients: 12 }), launchChromium()]);
    const meOf = async (email: string) => (await platform.graphql<{ me: { patientId: string; displayName: string } }>(await platform.tokenOf(email), ME)).me;
    [patient1, patient2] = (await Promise.all([meOf('patient1@patients.demo'), meOf('patient2@patients.demo')])).map((me) => me.patientId);
    [bayviewName, northfieldName] = (await Promise.all([meOf(BAYVIEW_PHYSICIAN), meOf(NORTHFIELD_PHYSICIAN)])).map((me) => me.displayName);
    expect(new Set([bayviewName, northfieldName, 'Demo Physician']).size).toBe(3); // each their own name
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  it('lands each role on its own screens, and keeps them from the others', inBrowser(async (open) => {
    const { page } = await open(BAYVIEW_BILLING, '/care');
    await page.getByRole('heading', { name: 'Not available to your role' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Claims', 'Dashboard']);
    await nav.getByRole('link', { name: 'Claims' }).click();
    await page.getByRole('heading', { name: 'Claims', exact: true }).waitFor();
  }));

  it('opens a chart the doctor may see, with trends naming each source organization, and pins a comment to a result', inBrowser(async (open) => {
    const { page } = await open(BAYVIEW_PHYSICIAN, '/care');
    await page.getByRole('heading', { name: /^Worklist/ }).waitFor();
    const operations: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql')) operations.push((request.postDataJSON() as { operationName?: string } | null)?.operationName ?? '');
    });
    const patientId = page.getByRole('textbox', { name: 'Patient ID' });
    await patientId.fill(patient1);
    await patientId.press('Enter'); // keyboard only
    await page.getByRole('heading', { name: 'Summary' }).waitFor();
    await page.getByRole('figure', { name: 'Blood pressure' }).waitFor();
    await page.getByRole('heading', { name: 'Latest vitals' }).waitFor();
    await page.getByRole('status').first().waitFor({ state: 'detached' }); // every section loaded
    // each open care gap with its reason; a rule never met says so instead of a due date decades back
    const { patient: { careGaps } } = await platform.graphql<{ patient: { careGaps: { lastMetAt: string | null; reason: string; rule: { title: string } }[] } }>(
      await platform.tokenOf(BAYVIEW_PHYSICIAN),
      'query ($id: ID!) { patient(id: $id) { careGaps(includeMet: false, includeNotApplicable: false) { lastMetAt reason rule { title } } } }', { id: patient1 });
    expect(new Set(careGaps.map((gap) => gap.lastMetAt === null))).toEqual(new Set([true, false])); // both kinds on this chart
    const gapItems = await page.getByRole('list', { name: 'Care gaps' }).getByRole('listitem').allInnerTexts();
    expect(gapItems).toHaveLength(careGaps.length);
    for (const gap of careGaps) {
      const item = gapItems.find((text) => text.includes(gap.rule.title)) ?? '';
      expect(item).toContain(gap.reason);
      expect(item.includes('never recorded')).toBe(gap.lastMetAt === null);
    }
    // vital signs by the names clinicians use, the code's full display on hover
    const bloodPressureRow = page.getByRole('rowheader', { name: 'Blood pressure', exact: true });
    expect(await bloodPressureRow.getAttribute('title')).toBe('Blood pressure panel with all children optional');
    const sources = await page.getByRole('figure', { name: 'Blood pressure' }).getByRole('list', { name: 'Source organizations' }).getByRole('listitem').allInnerTexts();
    expect(sources.length).toBeGreaterThan(0);
    expect(await page.getByText('Emergency access (break-glass)').count()).toBe(0);

    // a comment pinned before this visit (the demo's) names its record, read from the chart (before this page pins anything)
    const panel = page.getByRole('complementary', { name: 'Comments' });
    const pinnedEarlier = panel.getByRole('article').filter({ hasText: 'Latest blood pressure here' }).locator('.comment-anchor').first();
    await pinnedEarlier.getByText(/^On Blood pressure of [A-Z][a-z]{2} \d{1,2}, \d{4}$/).waitFor();
    // named by the comments' own page (each anchor's record comes with it), not by a request per record
    expect(operations).toContain('ChartComments');
    expect(operations).not.toContain('CommentAnchorRecord');

    // a comment started from a result is pinned to it
    const values = page.getByRole('figure', { name: 'Blood pressure' }).getByRole('group');
    await values.getByText(/^Values/).click();
    await values.getByRole('button', { name: /^Comment on Blood pressure of/ }).first().click();
    await panel.getByRole('textbox', { name: 'Comment on this record' }).fill('BP still high across sites, @Okafor please review');
    await panel.getByRole('button', { name: 'Post comment' }).click();
    // threads run oldest first, after the demo's own conversation on this chart
    const thread = panel.getByRole('list', { name: 'Comment threads' }).getByRole('article').filter({ hasText: 'BP still high across sites' });
    await thread.waitFor();
    expect(await thread.getByText(/^On Blood pressure of/).count()).toBe(1);
    expect(await thread.locator('mark.mention').innerText()).toBe('@Okafor');
    await page.screenshot({ path: screenshotPath('chart-1280'), fullPage: true });
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.screenshot({ path: screenshotPath('chart-tablet'), fullPage: true });

    // "Message about this patient": the inbox's new message, about this patient already
    const name = await page.getByRole('heading', { level: 1 }).innerText();
    await page.getByRole('link', { name: 'Message about this patient' }).click();
    await page.getByRole('heading', { name: 'New message' }).waitFor();
    await page.getByRole('group', { name: 'About a patient (optional)' }).getByText(name, { exact: false }).waitFor();
    await page.getByRole('list', { name: 'Clinicians who may see this chart' }).waitFor();
  }));

  it('shows two doctors of two hospitals on the same consented chart each other’s presence, typing, @mentions and comments, live', inBrowser(async (open) => {
    const bayview = await open(BAYVIEW_PHYSICIAN, `/care/patients/${patient1}`);
    const northfield = await open(NORTHFIELD_PHYSICIAN, `/care/patients/${patient1}`);
    const panelA = bayview.page.getByRole('complementary', { name: 'Comments' });
    const panelB = northfield.page.getByRole('complementary', { name: 'Comments' });
    await panelA.getByText(`Viewing now: ${northfieldName} (Northfield University Hospital)`).waitFor();
    await panelB.getByText(`Viewing now: ${bayviewName} (Bayview Regional Hospital)`).waitFor();

    // typing in one shows in the other
    const boxA = panelA.getByRole('textbox', { name: 'New comment (use @name to mention)' });
    const boxB = panelB.getByRole('textbox', { name: 'New comment (use @name to mention)' });
    await boxB.pressSequentially('Seen at our ED on Monday: 5.4.');
    await panelA.getByText(`${northfieldName} (Northfield University Hospital) is typing…`).waitFor();

    // @mention from the keyboard: the list offers who may read this chart (the other hospital's physician)
    await boxA.pressSequentially(`Potassium 5.9 here, @${northfieldName.split(' ')[0].toLowerCase()}`);
    const options = panelA.getByRole('listbox', { name: 'Colleagues to mention' }).getByRole('option');
    await options.first().waitFor();
    expect(await options.allInnerTexts()).toEqual([`${northfieldName} (Northfield University Hospital)`]);
    await boxA.press('ArrowDown'); // one option: stays on it
    await boxA.press('Enter');
    expect(await boxA.inputValue()).toBe(`Potassium 5.9 here, ${handleOf(northfieldName)} `);
    await boxA.pressSequentially('can you repeat it?');
    await boxA.press('Tab');
    await bayview.page.keyboard.press('Enter'); // "Post comment"

    // it appears in the other browser without a reload, named, with the mention highlighted
    const commentAtB = panelB.getByRole('article', { name: `Comment by ${bayviewName} (Bayview Regional Hospital)` }).filter({ hasText: 'Potassium 5.9 here' });
    await commentAtB.waitFor();
    expect(await commentAtB.locator('mark.mention').innerText()).toBe(handleOf(northfieldName));
    // A's box empties on A's acknowledgement, which may come after B's copy
    await panelA.getByRole('article', { name: `Comment by ${bayviewName} (Bayview Regional Hospital)` }).filter({ hasText: 'Potassium 5.9 here' }).waitFor();
    await bayview.page.waitForFunction((box) => (box as unknown as { value: string }).value === '', await boxA.elementHandle());
    // the mentioned physician is notified
    const northfieldToken = await platform.tokenOf(NORTHFIELD_PHYSICIAN);
    const mentioned = async () => (await platform.graphql<{ myNotifications: { edges: { node: { kind: string; patient: { id: string } | null } }[] } }>(
      northfieldToken, '{ myNotifications(first: 20, unreadOnly: true) { edges { node { kind patient { id } } } } }',
    )).myNotifications.edges.some(({ node }) => node.kind === 'MENTION' && node.patient?.id === patient1);
    for (const deadline = Date.now() + 20_000; !(await mentioned()); await new Promise((resolve) => setTimeout(resolve, 250))) {
      if (Date.now() > deadline) throw new Error('no MENTION notification for the Northfield physician');
    }
    // their inbox says who mentioned them, from which hospital, and quotes the comment
    const inbox = await open(NORTHFIELD_PHYSICIAN, '/inbox');
    const notification = inbox.page.getByRole('list', { name: 'Notifications' }).getByRole('listitem').filter({ hasText: `“Potassium 5.9 here, ${handleOf(northfieldName)} can you repeat it?”` });
    await notification.getByText(`${bayviewName} (Bayview Regional Hospital) mentioned you in a chart comment`).waitFor();
    // and leads to the comment itself: the chart opens with it in view, focused and marked
    await notification.getByRole('link', { name: /^Open the comment on the chart of / }).click();
    const linked = inbox.page.getByRole('complementary', { name: 'Comments' }).locator('.linked-comment');
    await linked.waitFor();
    expect(await linked.locator('xpath=ancestor::article[1]').getAttribute('aria-label')).toBe(`Comment by ${bayviewName} (Bayview Regional Hospital)`);
    expect(await linked.locator('.comment-body').innerText()).toBe(`Potassium 5.9 here, ${handleOf(northfieldName)} can you repeat it?`);
    await inbox.page.waitForFunction('document.activeElement?.classList.contains("linked-comment")');
    expect(await linked.isVisible()).toBe(true);
    // following it read it
    const readAtOfMention = async () => (await platform.graphql<{ myNotifications: { edges: { node: { readAt: string | null; mention: { comment: { body: string } | null } | null } }[] } }>(
      northfieldToken, '{ myNotifications(first: 50) { edges { node { readAt mention { comment { body } } } } } }',
    )).myNotifications.edges.find(({ node }) => node.mention?.comment?.body.startsWith('Potassium 5.9 here'))?.node.readAt;
    await eventually(readAtOfMention, 'the followed mention to be read');
    await inbox.context.close();

    // and the other way round, pinned to a reading: A's panel names the record of a comment that came over the socket
    const valuesB = northfield.page.getByRole('figure', { name: 'Blood pressure' }).getByRole('group');
    await valuesB.getByText(/^Values/).click();
    const pinB = valuesB.getByRole('button', { name: /^Comment on Blood pressure of/ }).first();
    const pinnedTo = (await pinB.getAttribute('aria-label'))!.replace(/^Comment on /, '');
    await pinB.click();
    expect(await panelB.getByRole('textbox', { name: 'Comment on this record' }).inputValue()).toBe('Seen at our ED on Monday: 5.4.');
    await panelB.getByRole('button', { name: 'Post comment' }).click();
    const fromB = panelA.getByRole('article', { name: `Comment by ${northfieldName} (Northfield University Hospital)` }).filter({ hasText: 'Seen at our ED on Monday: 5.4.' });
    await fromB.waitFor();
    await fromB.locator('.comment-anchor').getByText(`On ${pinnedTo}`, { exact: true }).waitFor();
    await panelA.getByText(/is typing…/).waitFor({ state: 'detached' });
    await bayview.page.screenshot({ path: screenshotPath('chart-live'), fullPage: true });

    // A edits their comment: B sees the new text, marked edited, without a reload
    const ownAtA = panelA.getByRole('article', { name: `Comment by ${bayviewName} (Bayview Regional Hospital)` }).filter({ hasText: 'Potassium 5.9 here' }).first();
    await ownAtA.getByRole('button', { name: 'Edit' }).first().click();
    const editBox = ownAtA.getByRole('textbox', { name: 'Edit your comment' });
    await editBox.fill(`Potassium 5.9 here (haemolysed), ${handleOf(northfieldName)} can you repeat it?`);
    await ownAtA.getByRole('button', { name: 'Save' }).click();
    await panelB.getByRole('article').filter({ hasText: 'Potassium 5.9 here (haemolysed)' }).getByText('(edited)').first().waitFor();

    // one leaves: the other sees it
    await northfield.context.close();
    await panelA.getByText('No one else has this chart open.').waitFor();
  }));

  it('asks a doctor of an unconsented hospital for a reason before opening the chart, then shows it flagged', inBrowser(async (open) => {
    const { page } = await open(NORTHFIELD_PHYSICIAN, `/care/patients/${patient2}`);
    await page.getByRole('heading', { name: 'This chart is not open to you' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Summary' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Break the glass and open the chart' }).click();
    await page.getByText('Give the reason in at least 10 characters.').waitFor(); // nothing is opened without a reason
    await page.getByLabel('Reason for emergency access').fill('Unconscious in the ER, allergies unknown');
    await page.getByRole('button', { name: 'Break the glass and open the chart' }).click();
    await page.getByText(/Emergency access \(break-glass\) until/).waitFor();
    await page.getByRole('heading', { name: 'Latest vitals' }).waitFor();
    await page.getByRole('status').first().waitFor({ state: 'detached' }); // every section loaded under the break-glass
    await page.screenshot({ path: screenshotPath('chart-break-glass'), fullPage: true });
  }));

  it('filters claims for a billing user with totals equal to the API’s, and exports the same claims as CSV', inBrowser(async (open) => {
    const { page } = await open(BAYVIEW_BILLING, '/billing');
    await page.getByTestId('claims-total-count').waitFor();
    await page.getByRole('group', { name: 'Status' }).getByLabel('Adjudicated').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=ADJUDICATED/);
    await page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Service date' }) }).waitFor();

    const api = await platform.graphql<{ claims: { totals: { count: number; byCurrency: { currency: string; billed: { amount: string }; paid: { amount: string }; outstanding: { amount: string } }[] } } }>(
      await platform.tokenOf(BAYVIEW_BILLING),
      '{ claims(filter: { status: [ADJUDICATED] }, first: 1) { totals { count byCurrency { currency billed { amount } paid { amount } outstanding { amount } } } } }',
    );
    expect(api.claims.totals.count).toBeGreaterThan(0);
    expect(await page.getByTestId('claims-total-count').innerText()).toBe(String(api.claims.totals.count));
    // the page groups thousands and keeps the API's exact decimals
    const shown = (amount: string, currency: string) => `${amount.replace(/^\d+/, (whole) => whole.replace(/\B(?=(\d{3})+$)/g, ','))} ${currency}`;
    const rows = await page.getByTestId('claims-totals').locator('tbody tr').all();
    expect(rows).toHaveLength(api.claims.totals.byCurrency.length);
    for (const [index, totals] of api.claims.totals.byCurrency.entries()) {
      const cells = await rows[index].locator('th, td').allInnerTexts();
      expect(cells[0]).toBe(totals.currency);
      expect(cells[2]).toBe(shown(totals.billed.amount, totals.currency));
      expect(cells[4]).toBe(shown(totals.paid.amount, totals.currency));
      expect(cells[5]).toBe(shown(totals.outstanding.amount, totals.currency));
    }
    const statuses = await page.locator('#claim-list tbody tr td:nth-child(4)').allInnerTexts();
    expect(statuses.length).toBe(Math.min(25, api.claims.totals.count));
    expect(new Set(statuses)).toEqual(new Set(['Adjudicated']));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv.length - 1).toBe(api.claims.totals.count); // header + one row per claim of the filter

    await page.locator('#claim-list tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Lines and adjudication' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/Adjudicated/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Receivables aging' }).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await page.screenshot({ path: screenshotPath('billing-dashboard'), fullPage: true });
  }));

  it('takes a chart away from the other hospital’s doctor on their next action once the patient revokes consent', inBrowser(async (open) => {
    const doctor = await open(NORTHFIELD_PHYSICIAN, `/care/patients/${patient1}`);
    const patient = await open('patient1@patients.demo', '/portal/consents');
    await doctor.page.getByRole('heading', { name: 'Summary' }).waitFor(); // consented: open without break-glass
    expect(await doctor.page.getByText('Emergency access (break-glass)').count()).toBe(0);

    const stop = patient.page.getByRole('button', { name: 'Stop sharing with Northfield University Hospital' });
    await stop.waitFor();
    await patient.page.screenshot({ path: screenshotPath('portal-consents'), fullPage: true });
    await stop.click();
    await patient.page.getByText('Northfield University Hospital can no longer see this part of your record.').waitFor();
    await patient.page.getByText('You share your record with no other organization.').waitFor();
    // the open chart's comment panel hears of it at once
    await doctor.page.getByRole('complementary', { name: 'Comments' }).getByRole('alert').getByText(/^You can no longer see this chart/).waitFor();

    await doctor.page.getByRole('button', { name: 'Reload chart' }).click();
    await doctor.page.getByRole('heading', { name: 'This chart is not open to you' }).waitFor();
    expect(await doctor.page.getByRole('heading', { name: 'Summary' }).count()).toBe(0);

    await patient.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Claims & balance' }).click();
    await patient.page.getByTestId('patient-owes').waitFor();

    // the patient sees the doctor's earlier read in their access history
    await patient.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Who accessed my record' }).click();
    await patient.page.getByRole('cell', { name: /Physician at Northfield University Hospital/ }).first().waitFor();
    await patient.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My record', exact: true }).click();
    await patient.page.getByRole('heading', { name: 'Latest vitals' }).waitFor();
    await patient.page.getByRole('note').filter({ hasText: 'Allergies' }).waitFor();
    // their own chart, read-only: encounters (with the visit's details) and the trend plots, no comments
    const encounters = patient.page.getByRole('region', { name: 'Encounters' });
    await encounters.locator('ol.timeline > li').first().waitFor();
    await encounters.locator('ol.timeline > li summary').first().click();
    await encounters.getByText('Visit summary').first().waitFor();
    const bloodPressure = patient.page.getByRole('figure', { name: 'Blood pressure' });
    await bloodPressure.locator('.recharts-line').first().waitFor();
    expect((await bloodPressure.getByRole('list', { name: 'Source organizations' }).getByRole('listitem').allInnerTexts()).length).toBeGreaterThan(0);
    await patient.page.getByRole('region', { name: 'Immunizations' }).waitFor();
    await patient.page.getByRole('status').first().waitFor({ state: 'detached' }); // every section loaded
    expect(await patient.page.getByRole('button', { name: /^Comment on/ }).count()).toBe(0);
    expect(await patient.page.getByRole('complementary', { name: 'Comments' }).count()).toBe(0);
    await patient.page.screenshot({ path: screenshotPath('portal'), fullPage: true });

    // their copy of the whole record: one FHIR Bundle with every part, the claims too
    const [record] = await Promise.all([patient.page.waitForEvent('download'), patient.page.getByRole('button', { name: 'Download record (FHIR)' }).click()]);
    expect(record.suggestedFilename()).toMatch(new RegExp(`^record-${patient1}-\\d{4}-\\d{2}-\\d{2}\\.fhir\\.json$`));
    const bundle = JSON.parse(readFileSync((await record.path())!, 'utf8'));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', entry: expect.arrayContaining([expect.objectContaining({ resource: expect.objectContaining({ resourceType: 'Patient', id: patient1 }) })]) });
    const types = new Set(bundle.entry.map((entry: { resource: { resourceType: string } }) => entry.resource.resourceType));
    for (const type of ['Encounter', 'Observation', 'Claim']) expect(types.has(type)).toBe(true);
    expect(types.has('OperationOutcome')).toBe(false); // nothing of their own record withheld from them
  }));

  it('keeps the rest of the chart, with an alert and a reload, when the trend plots cannot download', inBrowser(async (open) => {
    const { page } = await open(BAYVIEW_PHYSICIAN, '/care');
    await page.route('**/assets/TrendPlot-*.js', (route) => route.abort()); // as when a deploy replaced the chunk under an open tab
    await page.goto(`/care/patients/${patient1}`);
    const results = page.getByRole('region', { name: 'Results & vitals' });
    await results.getByRole('alert').getByText('Could not show the trend plots.').waitFor();
    expect(await results.getByRole('alert').innerText()).toMatch(/did not download/);
    expect(await results.getByRole('button', { name: 'Reload the page' }).count()).toBe(1);
    await page.getByRole('heading', { name: 'Latest vitals' }).waitFor(); // the rest of the chart is there
    await page.getByRole('region', { name: 'Encounters' }).locator('ol.timeline > li').first().waitFor();
    await page.unroute('**/assets/TrendPlot-*.js');
    await results.getByRole('button', { name: 'Reload the page' }).click();
    await page.getByRole('figure', { name: 'Blood pressure' }).locator('.recharts-line').first().waitFor();
  }));

  it('shows a doctor the unread count of a message from another hospital’s doctor, which drops once they open the thread', inBrowser(async (open) => {
    // independent of the other tests: a patient of Bayview who shares their chart with Northfield, and a
    // Northfield physician (linked to a practitioner record) who has never been messaged or notified
    const suffix = Date.now().toString(36);
    const [bayview, northfieldAdmin] = await Promise.all([platform.tokenOf(BAYVIEW_PHYSICIAN), platform.tokenOf('org-admin@northfield-university-hospital.demo')]);
    const { me: admin } = await platform.graphql<{ me: { organizationId: string } }>(northfieldAdmin, '{ me { ... on UserAccount { organizationId } } }');
    const { createPractitioner } = await platform.graphql<{ createPractitioner: { id: string } }>(northfieldAdmin,
      'mutation ($input: CreatePractitionerInput!) { createPractitioner(input: $input) { id } }', { input: { names: [{ given: ['Ines'], family: `Inbox${suffix}` }] } });
    const doctorB = { email: `inbox-${suffix}@northfield-university-hospital.demo`, name: `Dr Ines Inbox${suffix}` };
    await platform.graphql(northfieldAdmin, 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email: doctorB.email, password: DEMO_PASSWORD, displayName: doctorB.name, role: 'PHYSICIAN', practitionerId: createPractitioner.id } });
    const { createPatient } = await platform.graphql<{ createPatient: { id: string } }>(bayview,
      'mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }', { input: { names: [{ given: ['Noor'], family: `Inbox${suffix}` }], gender: 'FEMALE', birthDate: '1961-05-04' } });
    await platform.graphql(bayview, 'mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }',
      { input: { patientId: createPatient.id, organizationId: admin.organizationId, category: 'CLINICAL' } });
    // the messaging directory learns of new accounts from identity's events
    const candidates = `{ mentionCandidates(patientId: "${createPatient.id}", name: "Inbox${suffix}") { edges { node { userId } } } }`;
    for (const deadline = Date.now() + 20_000; ; await new Promise((resolve) => setTimeout(resolve, 200))) {
      if ((await platform.graphql<{ mentionCandidates: { edges: unknown[] } }>(bayview, candidates)).mentionCandidates.edges.length) break;
      if (Date.now() > deadline) throw new Error('the new physician never reached the messaging directory');
    }

    const a = await open(BAYVIEW_PHYSICIAN, '/inbox');
    const b = await open(doctorB.email, '/care');
    const navB = b.page.getByRole('navigation', { name: 'Main' });
    await navB.getByRole('link', { name: 'Inbox', exact: true }).waitFor(); // nothing unread yet

    // doctor A starts a thread about the shared patient, with the colleague found by name (keyboard and labels only)
    await a.page.getByRole('link', { name: 'New message' }).click();
    await a.page.getByLabel('Patient name').fill(`Inbox${suffix}`);
    await a.page.getByRole('list', { name: 'Patients found' }).getByRole('button', { name: new RegExp(`^Noor Inbox${suffix}`) }).click();
    await a.page.getByLabel('Find a colleague').fill('Ines');
    // the search runs once typing settles and narrows the list: wait for its answer, or the form moves under the clicks that follow
    await a.page.waitForFunction(() => {
      type Element = { getAttribute(name: string): string | null; querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };
      const list = (globalThis as unknown as { document: { querySelector(selector: string): Element | null } }).document.querySelector('ul.choices');
      return list?.getAttribute('aria-busy') === 'false' && [...list.querySelectorAll('li')].every((item) => /Ines/.test(item.textContent ?? ''));
    });
    await a.page.getByRole('list', { name: 'Clinicians who may see this chart' }).getByRole('checkbox', { name: `${doctorB.name} (Physician, Northfield University Hospital)` }).check();
    await a.page.getByLabel('Subject (optional)').fill('Potassium follow-up');
    await a.page.getByLabel('Message', { exact: true }).fill('K+ 5.9 this morning: repeat today?');
    await a.page.getByRole('button', { name: 'Send' }).click();
    await a.page.getByRole('heading', { name: 'Potassium follow-up' }).waitFor();
    await a.page.getByRole('list', { name: 'Messages, oldest first' }).getByText('K+ 5.9 this morning: repeat today?').waitFor();

    // B's badge counts it live (the socket; the 30 s poll would come later than this wait allows)
    await navB.getByRole('link', { name: 'Inbox, 1 unread' }).waitFor({ timeout: LIVE_MS });
    await navB.getByRole('link', { name: 'Inbox, 1 unread' }).click();
    const thread = b.page.getByRole('list', { name: 'Message threads' }).getByRole('listitem').filter({ hasText: 'Potassium follow-up' });
    expect(await thread.getAttribute('class')).toBe('unread');
    await thread.getByText('1 unread').waitFor();
    await thread.getByText(`About Noor Inbox${suffix}`).waitFor();
    await b.page.screenshot({ path: screenshotPath('inbox'), fullPage: true });
    await thread.getByRole('link', { name: 'Potassium follow-up' }).click();
    await b.page.getByRole('list', { name: 'Messages, oldest first' }).getByRole('article', { name: `Message from ${bayviewName} (Bayview Regional Hospital)` }).getByText('K+ 5.9 this morning: repeat today?').waitFor();
    await navB.getByRole('link', { name: 'Inbox', exact: true }).waitFor(); // opened: read, the count drops
    const { messageThreads } = await platform.graphql<{ messageThreads: { unreadCount: number } }>(await platform.tokenOf(doctorB.email), '{ messageThreads(first: 1) { unreadCount } }');
    expect(messageThreads.unreadCount).toBe(0);

    await b.page.getByLabel('Reply').fill('Repeating it at noon.');
    await b.page.getByRole('button', { name: 'Send' }).click();
    await b.page.getByRole('article', { name: 'Message from You' }).getByText('Repeating it at noon.').waitFor();
    // A, still on the thread, sees the answer arrive
    await a.page.getByRole('list', { name: 'Messages, oldest first' }).getByRole('article', { name: `Message from ${doctorB.name} (Northfield University Hospital)` })
      .getByText('Repeating it at noon.').waitFor({ timeout: LIVE_MS });
  }));

  it('lets an org admin create an account (with field errors from the API next to the field), find it by role, edit and deactivate it', inBrowser(async (open) => {
    const suffix = Date.now().toString(36);
    const email = `clerk-${suffix}@bayview-regional-hospital.demo`;
    const { page } = await open('org-admin@bayview-regional-hospital.demo', '/');
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Accounts', 'More in the API']);
    await page.getByRole('table', { name: 'Accounts, oldest first' }).getByRole('cell', { name: 'physician@bayview-regional-hospital.demo' }).waitFor();
    // partner apps, read-only
    await page.getByRole('table', { name: 'Partner apps' }).getByRole('cell', { name: 'demo-partner-app' }).waitFor();

    const form = page.getByRole('form', { name: 'New account' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Display name').fill(`Casey Clerk${suffix}`);
    await form.getByLabel('Role').selectOption({ label: 'Billing staff' });
    expect(await form.getByLabel('Practitioner ID (optional)').count()).toBe(0); // clinicians only
    await form.getByLabel('Initial password').fill('too short');
    await form.getByRole('button', { name: 'Create account' }).click();
    // the API's BAD_USER_INPUT on `password`, shown under that field and tied to it
    await page.locator('#new-password-error').getByText('password must be at least 12 characters').waitFor();
    expect(await form.getByLabel('Initial password').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Initial password').getAttribute('aria-describedby')).toContain('new-password-error');
    await form.getByLabel('Initial password').fill(DEMO_PASSWORD);
    await form.getByLabel('Initial password').press('Enter'); // keyboard: submits the form
    await page.getByRole('status').getByText(`Account created for Casey Clerk${suffix} (Billing staff).`).waitFor();
    expect(await form.getByLabel('Email').inputValue()).toBe('');

    // the same email again: the API's CONFLICT on `email`, next to the email field
    await form.getByLabel('Email').fill(email.toUpperCase());
    await form.getByLabel('Display name').fill('Someone Else');
    await form.getByLabel('Initial password').fill(DEMO_PASSWORD);
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#new-email-error').getByText('An account with this email already exists').waitFor();

    // the new account signs in, and shows in the list filtered to its role
    await platform.tokenOf(email);
    await page.getByLabel('Show role').selectOption({ label: 'Billing staff' });
    await page.waitForURL(/role=BILLING/);
    const accounts = page.getByRole('table', { name: 'Accounts, oldest first' });
    const row = accounts.getByRole('row').filter({ hasText: email });
    // the unfiltered list (which has the row too) shows until the filtered page replaces it
    const roles = await eventually(async () => {
      const shown = new Set(await accounts.locator('tbody td:nth-child(3)').allInnerTexts());
      return shown.size === 1 && (await row.count()) === 1 && shown;
    }, 'the list filtered to billing staff');
    expect(roles).toEqual(new Set(['Billing staff']));
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(expect.arrayContaining([`Casey Clerk${suffix}`, email, 'Billing staff', 'Active']));
    await page.screenshot({ path: screenshotPath('admin-accounts'), fullPage: true });

    // edit the display name
    await row.getByRole('button', { name: `Edit Casey Clerk${suffix}` }).click();
    const editor = page.getByRole('form', { name: `Edit Casey Clerk${suffix}` });
    await editor.getByLabel('Display name').fill(`Casey Claims${suffix}`);
    await editor.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText(`Saved the changes to Casey Claims${suffix}.`).waitFor();
    await accounts.getByRole('row').filter({ hasText: email }).getByRole('cell', { name: `Casey Claims${suffix}`, exact: true }).waitFor();

    // deactivate, after a confirmation; cancelling changes nothing
    await accounts.getByRole('row').filter({ hasText: email }).getByRole('button', { name: `Edit Casey Claims${suffix}` }).click();
    await page.getByRole('button', { name: 'Deactivate account' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Deactivate Casey Claims${suffix}?` });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.count()).toBe(0);
    await platform.tokenOf(email); // still active
    await page.getByRole('button', { name: 'Deactivate account' }).click();
    await confirm.getByRole('button', { name: `Yes, deactivate Casey Claims${suffix}` }).click();
    await page.getByRole('status').getByText(`Casey Claims${suffix} is deactivated: signed out everywhere and can no longer sign in.`).waitFor();
    await accounts.getByRole('row').filter({ hasText: email }).getByRole('cell', { name: 'Deactivated', exact: true }).waitFor();
    await expect(platform.tokenOf(email)).rejects.toThrow(/sign-in of .* failed/);
  }));

  it('shows a compliance officer the break-glass of their hospital’s doctor on another hospital’s patient, and that patient’s events', inBrowser(async (open) => {
    // independent of the other tests: a new Bayview patient whom Northfield's physician may not see
    const suffix = Date.now().toString(36);
    const [bayview, northfield] = await Promise.all([platform.tokenOf(BAYVIEW_PHYSICIAN), platform.tokenOf(NORTHFIELD_PHYSICIAN)]);
    const { createPatient } = await platform.graphql<{ createPatient: { id: string } }>(bayview,
      'mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }', { input: { names: [{ given: ['Ada'], family: `Audit${suffix}` }], gender: 'FEMALE', birthDate: '1950-02-03' } });
    const patientId = createPatient.id;
    await platform.graphql(northfield, 'mutation ($patientId: ID!, $reason: String!) { breakGlass(patientId: $patientId, reason: $reason) { id } }',
      { patientId, reason: 'Found unresponsive, no history available' });
    await platform.graphql(northfield, 'query ($id: ID!) { patient(id: $id) { id } }', { id: patientId }); // a read under break-glass

    const { page } = await open('compliance@northfield-university-hospital.demo', '/');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Audit log', 'More in the API']);
    const events = page.getByRole('table', { name: 'Audit events, newest first' });
    await events.waitFor(); // the doctors' and the officer's own sign-ins at least

    await page.getByRole('button', { name: 'Break-glass to review' }).click();
    await page.waitForURL(/breakGlass=1/);
    await page.getByRole('heading', { name: 'Break-glass events' }).waitFor();
    const start = events.getByRole('row').filter({ hasText: patientId }).filter({ hasText: 'Break glass' });
    await start.waitFor();
    const cells = await start.getByRole('cell').allInnerTexts();
    expect(cells[1]).toMatch(new RegExp(`^${northfieldName}\nPhysician`)); // named by the log itself (actorName)
    expect(cells[2]).toBe('Northfield University Hospital');
    expect(cells[6]).toBe('Success');
    expect(cells[7]).toBe('break-glass');
    // every row is break-glass: flagged, and tagged
    const rows = await events.locator('tbody tr').count();
    expect(await events.locator('tbody tr.flagged').count()).toBe(rows);
    expect(await events.locator('tbody tr').filter({ hasText: 'Break-glass' }).count()).toBe(rows);
    await page.screenshot({ path: screenshotPath('compliance-audit'), fullPage: true });

    // that patient's events, break-glass or not: the start and the read made under it
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Patient ID').fill(patientId);
    await page.getByLabel('Patient ID').press('Enter');
    await page.waitForURL(new RegExp(`patient=${patientId}`));
    await events.getByRole('row').filter({ hasText: 'Read' }).first().waitFor();
    const patientCells = await events.locator('tbody td:nth-child(6) code').allInnerTexts();
    expect(new Set(patientCells)).toEqual(new Set([patientId]));
    expect(await events.getByRole('row').filter({ hasText: 'Break glass' }).count()).toBe(1);

    // a filter nothing matches says so
    await page.getByRole('group', { name: 'Action' }).getByLabel('Login failed').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match these filters.').waitFor();
  }));

  // these two add patients to Bayview, whose worklist and search the tests above read as the demo left them
  it('shows a long chart list a page at a time, the older entries on request', inBrowser(async (open) => {
    const bayview = await platform.tokenOf(BAYVIEW_PHYSICIAN);
    const { createPatient } = await platform.graphql<{ createPatient: { id: string } }>(bayview,
      'mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }', { input: { names: [{ given: ['Long'], family: `Chart${Date.now().toString(36)}` }], gender: 'FEMALE', birthDate: '1950-03-02' } });
    const titles = Array.from({ length: 23 }, (_, i) => `Progress note ${i + 1}`);
    for (const title of titles) { // one by one: newest first is the order they were written in
      await platform.graphql(bayview, 'mutation ($input: WriteClinicalNoteInput!) { writeClinicalNote(input: $input) { id } }', { input: { patientId: createPatient.id, title, text: 'Stable.' } });
    }
    const { page } = await open(BAYVIEW_PHYSICIAN, `/care/patients/${createPatient.id}`);
    const notes = page.getByRole('region', { name: 'Notes' });
    await notes.getByText('20 of 23 notes, newest first', { exact: true }).waitFor();
    expect(await notes.getByRole('article').getByRole('heading').allInnerTexts()).toEqual(titles.slice(3).reverse());
    await notes.getByRole('button', { name: 'Show older notes' }).click();
    await eventually(async () => (await notes.getByRole('article').count()) === 23, 'the older notes');
    expect(await notes.getByRole('article').getByRole('heading').allInnerTexts()).toEqual([...titles].reverse());
    expect(await notes.getByText(/of 23 notes/).count()).toBe(0);
    expect(await notes.getByRole('button', { name: 'Show older notes' }).count()).toBe(0);
  }));

  // last: it adds patients to Bayview's worklist, which the tests above read as the demo left it
  it('pages the care-gaps worklist: the first 25 patients, the next on request, each never-met gap said so', inBrowser(async (open) => {
    const bayview = await platform.tokenOf(BAYVIEW_PHYSICIAN);
    const worklistTotal = async () => (await platform.graphql<{ careGapPatients: { totalCount: number } }>(bayview, '{ careGapPatients(first: 1) { totalCount } }')).careGapPatients.totalCount;
    const suffix = Date.now().toString(36);
    const missing = Math.max(0, 26 - (await worklistTotal()));
    // adults with nothing on record: every one of them is due a blood pressure screening never met
    await Promise.all(Array.from({ length: missing }, (_, i) => platform.graphql(bayview, 'mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }',
      { input: { names: [{ given: ['Page'], family: `Worklist${suffix}${i}` }], gender: 'MALE', birthDate: '1970-01-01' } })));
    // the clinical subgraph learns of new patients from the patients subgraph's events
    const total: number = await eventually(async () => { const count = await worklistTotal(); return count > 25 ? count : null; }, 'a worklist longer than one page');

    const { page } = await open(BAYVIEW_PHYSICIAN, '/care');
    const worklist = page.getByRole('table', { name: /most overdue first/ });
    await page.getByText(`25 of ${total} patients, most overdue first`, { exact: true }).waitFor();
    expect(await worklist.locator('tbody tr').count()).toBe(25);
    await page.getByRole('button', { name: 'Show more patients' }).click();
    await page.getByText(total <= 50 ? `${total} patients, most overdue first` : `50 of ${total} patients, most overdue first`, { exact: true }).waitFor();
    expect(await worklist.locator('tbody tr').count()).toBe(Math.min(total, 50));
    const names = await worklist.locator('tbody tr td:first-child').allInnerTexts();
    expect(new Set(names).size).toBe(names.length); // the next page, not the first again
    const newcomer = worklist.getByRole('row').filter({ hasText: `Worklist${suffix}` }).first();
    expect(await newcomer.getByRole('listitem').filter({ hasText: 'Blood pressure screening' }).innerText()).toMatch(/never recorded/);
    // "Due since" gives a date only where a gap was met before; one never met has no date worth showing
    const { careGapPatients } = await platform.graphql<{ careGapPatients: { edges: { node: { patient: { names: { family: string }[] }; firstDueDate: string; gaps: { dueDate: string; lastMetAt: string | null }[] } }[] } }>(
      bayview, '{ careGapPatients(first: 50) { edges { node { patient { names { family } } firstDueDate gaps { dueDate lastMetAt } } } } }');
    const dueSinceCells = await worklist.locator('tbody tr td:last-child').allInnerTexts();
    expect(dueSinceCells).toHaveLength(careGapPatients.edges.length);
    careGapPatients.edges.forEach(({ node }, row) => {
      const neverMet = node.gaps.filter((gap) => gap.dueDate === node.firstDueDate).every((gap) => gap.lastMetAt === null);
      expect(dueSinceCells[row] === 'Never recorded').toBe(neverMet);
      if (!neverMet) expect(dueSinceCells[row]).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    });
    expect(await newcomer.locator('td:last-child').innerText()).toBe('Never recorded'); // nothing on record at all
  }));
});
