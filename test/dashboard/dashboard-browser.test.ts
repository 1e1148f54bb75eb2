import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, drillYaml, startDashboardServer, type DashboardServer } from './support/dashboard-server.ts';

/**
 * The supervisor dashboard in headless Chromium against the real server on an embedded
 * database: log in with a printed demo token, watch an alert raised by a clock (the timer
 * scheduler firing a ladder rung) arrive in the live feed without a reload, open the case view
 * with its clock bars and audit trail. Screenshots go to test-artifacts/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let app: DashboardServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`缺少 Chromium：${CHROMIUM} 不存在。请安装 apt-get install -y chromium fonts-wqy-microhei（见 .ci/run）Chromium missing at ${CHROMIUM}; install chromium and fonts-wqy-microhei`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  // Reminders escalate one second after they are raised here, so the escalation is seen live too.
  const escalation = { afterMs: 1000, levels: ['reminder'], target: 'supervising-office' };
  [app, browser] = await Promise.all([startDashboardServer({ escalation, escalationPollMs: 100 }), chromium.launch({ executablePath: CHROMIUM, args: ARGS })]);
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

it('shows an alert raised by a clock live, without a reload, and opens its case with clock bars and the audit trail', async () => {
  const published = await app.call('POST', '/api/v1/definitions', { role: 'designer', yaml: await drillYaml() });
  expect(published.status, JSON.stringify(published.body)).toBe(201);

  await page.goto(app.server.url);
  await page.locator('#login-form').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-login.png') });
  await page.locator('#token').fill(app.tokens.get('supervisor')!);
  await page.getByRole('button', { name: '登录 Log in' }).click();
  await page.locator('#live[data-live="connected"]').waitFor();
  expect(await page.locator('#who').textContent()).toContain('电子监察');
  // A marker on the document: it survives only if the page is never reloaded.
  await page.evaluate(() => Object.assign(globalThis, { __sameDocument: true }));
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-logged-in.png') });

  const started = await app.call('POST', '/api/v1/instances', {
    role: 'window',
    json: { definition: 'supervision-drill', data: { applicant: { name: '贵阳某某餐饮有限公司', idNumber: '520102199001011234', phone: '13812345678' } } },
  });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const { instanceId, receiptNo } = started.body as { instanceId: string; receiptNo: string };

  // The reminder is not written by the start command: the scheduler fires the rung's timer.
  const card = page.locator(`li.alert[data-instance-id="${instanceId}"]`);
  await card.locator('strong', { hasText: receiptNo }).waitFor();
  expect(await card.getAttribute('data-level')).toBe('reminder');
  expect(await card.textContent()).toContain('演练：承诺时限已开始计时');
  // Nobody acknowledges it: the escalation job sends it to the supervising office, and the card says so.
  await page.locator(`li.alert[data-instance-id="${instanceId}"][data-status="escalated"]`).waitFor();
  expect(await card.textContent()).toContain('已上报监察室');
  expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-live-alert.png') });

  const audit = await app.call('GET', `/api/v1/instances/${instanceId}/audit`, { role: 'supervisor' });
  expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual(['govflow.start', 'govflow.timer']);

  await card.getByRole('button', { name: '查看办件 Case' }).click();
  const view = page.locator(`#case[data-loaded="${instanceId}"]`);
  await view.waitFor();
  // Rendered once everything has loaded (data-loaded is set last), so plain reads suffice.
  expect(await view.locator('#case-title').textContent()).toContain(receiptNo);
  const clock = (await view.locator('.clock[data-clock="promised"]').textContent()) ?? '';
  expect(clock).toContain('承诺时限');
  expect(clock).toMatch(/已用 .*暂停 .*剩余 /);
  expect(await view.locator('.clock[data-clock="promised"] .seg.used').count()).toBe(1);
  expect(await view.locator('#case-timeline li').count()).toBe(2);
  expect(await view.locator('#case-timeline').textContent()).toContain('承诺时限 第 1 档预警');
  expect(await view.locator('#case-chain').textContent()).toContain('哈希链校验通过');
  expect(await view.locator('#case-alerts').textContent()).toMatch(/产生（时限预警规则）.*上报电子监察室/);
  // A supervisor is not the handling department: personal data arrives masked.
  expect(await view.locator('#case-facts').textContent()).toContain('5201**********1234');
  expect(await page.content()).not.toContain('520102199001011234');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-case-view.png') });

  // Acknowledge it from the feed with a comment: it leaves the list of open alerts, and its history records who and what.
  await page.locator('#case-close').click();
  await card.getByRole('button', { name: '签收 Acknowledge' }).click();
  await page.locator('#ack-comment').fill('已电话督办窗口，今日内受理');
  await page.locator('#ack-submit').click();
  await card.waitFor({ state: 'detached' });
  const alertId = (await app.call('GET', `/api/v1/supervision/alerts?instanceId=${instanceId}&status=all`, { role: 'supervisor' })).body.items[0].id as string;
  const history = await app.call('GET', `/api/v1/alerts/${alertId}/history`, { role: 'auditor' });
  expect(history.body.history.map((e: { kind: string }) => e.kind)).toEqual(['raised', 'escalated', 'acknowledged']);
  expect(history.body.history[2]).toMatchObject({ actor: { id: 'demo-supervisor', role: 'supervisor' }, comment: '已电话督办窗口，今日内受理' });

  expect(pageErrors).toEqual([]);
});
