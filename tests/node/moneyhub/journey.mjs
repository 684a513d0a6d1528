// End-to-end journey: the official npm client @mft/moneyhub-api-client, unchanged, against a live
// sandbox. MONEYHUB_BASE=http://127.0.0.1:8000 node journey.mjs   (README.md beside this file.)
//
// Runs the whole journey once per client authentication method (client_secret_basic with the
// fixture client, private_key_jwt with a client registered through the admin API), prints
// `ok <run> <step>` per step and `not ok <run> <step>` with the HTTP details where one fails, and
// exits non-zero when any run failed.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

import moneyhubApiClient from "@mft/moneyhub-api-client";

const { Moneyhub } = moneyhubApiClient;

const BASE = (process.env.MONEYHUB_BASE || "").replace(/\/+$/, "");
if (!BASE) {
  console.error("set MONEYHUB_BASE to the sandbox's base URL, e.g. http://127.0.0.1:8000");
  process.exit(2);
}
const IDENTITY = `${BASE}/moneyhub/identity`; // the client's identityServiceUrl
const RESOURCE = `${BASE}/moneyhub/api/v2.0`; // the client's resourceServerUrl
const BANK_ID = "1ffe704d39629a929c8e293880fb449a"; // Moneyhub Open Banking Mock (sandbox notes)
const PSU = process.env.MONEYHUB_PSU || "alice";
const REDIRECT_URI = "http://localhost:3001/callback"; // registered for the fixture client
const ADMIN_TOKEN = process.env.MONEYHUB_ADMIN_TOKEN; // only if the server runs with --admin-token
const PKJWT_ALG = process.env.MONEYHUB_PKJWT_ALG || "PS256"; // RS256 or PS256

const show = (value, max = 700) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}...` : text;
};
const random = () => randomBytes(12).toString("hex");
const isoDate = (date) => date.toISOString().slice(0, 10);
const addDays = (day, days) => isoDate(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86400000));
const isInteger = Number.isInteger;

function assertAmount(amount, what) {
  assert.ok(amount && isInteger(amount.value), `${what}: amount.value must be an integer (minor units), got ${show(amount)}`);
  assert.equal(typeof amount.currency, "string", `${what}: amount.currency missing in ${show(amount)}`);
}

function assertEnvelope(res, what) {
  assert.ok(res && typeof res === "object" && "data" in res, `${what}: expected a {data, links, meta} envelope, got ${show(res)}`);
  return res.data;
}

function assertList(res, what) {
  const data = assertEnvelope(res, what);
  assert.ok(Array.isArray(data), `${what}: data must be an array, got ${show(data)}`);
  return data;
}

async function expect404(call, what) {
  await assert.rejects(call, (err) => {
    const status = err.response?.statusCode;
    if (status === 404) return true;
    throw new assert.AssertionError({
      message: `${what}: expected HTTP 404, got ${status ?? err.message} ${show(err.response?.body ?? "")}`,
    });
  }, `${what}: expected HTTP 404, but the call succeeded`);
}

function expectNoContent(status, what) {
  assert.equal(status, 204, `${what}: expected HTTP 204, got ${status}`);
}

function expectSuccessStatus(status, what) {
  assert.ok(status >= 200 && status < 300, `${what}: expected a 2xx status, got ${status}`);
}

async function admin(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (ADMIN_TOKEN) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
  const res = await fetch(`${BASE}/__admin${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${method} /__admin${path} -> HTTP ${res.status}: ${show(text)}`);
  return text ? JSON.parse(text) : undefined;
}

// The consent page, decided headlessly: where would the PSU's browser be sent?
async function consent(url, redirectUri) {
  const { redirect } = await admin("POST", "/authorize", { url, psu: PSU });
  assert.equal(typeof redirect, "string", `POST /__admin/authorize gave no redirect`);
  const target = new URL(redirect);
  assert.equal(`${target.origin}${target.pathname}`, redirectUri, `redirected to ${redirect}`);
  const params = {
    ...Object.fromEntries(target.searchParams),
    ...Object.fromEntries(new URLSearchParams(target.hash.replace(/^#/, ""))),
  };
  assert.ok(!params.error, `the authorisation ended in an error: ${redirect}`);
  assert.ok(params.code, `no code in the redirect ${redirect}`);
  return params;
}

function describeError(err) {
  const lines = [`${err.name || "Error"}: ${err.message}`];
  if (err.error && err.error !== err.message) lines.push(`error: ${show(err.error)}`);
  if (err.error_description) lines.push(`error_description: ${err.error_description}`);
  if (err.error_details) lines.push(`error_details: ${err.error_details}`);
  const res = err.response;
  if (res) {
    const method = res.request?.options?.method ?? err.options?.method ?? "";
    const url = res.requestUrl ?? res.url ?? err.options?.url ?? "";
    lines.push(`HTTP ${method} ${url} -> ${res.statusCode}`);
    const body = Buffer.isBuffer(res.body) ? res.body.toString() : res.body;
    lines.push(`response body: ${show(body ?? "", 1500)}`);
  }
  if (err.jwt) lines.push(`jwt: ${err.jwt}`);
  if (err.name === "AggregateError") {
    // openid-client's Issuer.discover(): one error per discovery URL it tried
    const inner = err.errors ?? (typeof err[Symbol.iterator] === "function" ? [...err] : []);
    lines.length = 0;
    lines.push(`${err.name}: ${inner.length} attempts failed`);
    for (const one of inner) lines.push(`- ${describeError(one).replace(/\n/g, "\n  ")}`);
  }
  return lines.join("\n    ");
}

class Run {
  constructor(label) {
    this.label = label;
    this.step = "start";
    this.passed = 0;
  }

  async do(step, fn) {
    this.step = step;
    const value = await fn();
    this.passed += 1;
    console.log(`ok ${this.label} ${step}`);
    return value;
  }
}

async function journey(run, client) {
  const config = {
    identityServiceUrl: IDENTITY,
    resourceServerUrl: RESOURCE,
    options: { timeout: 15000 },
    client,
  };
  const moneyhub = await run.do("discovery (Moneyhub(config))", () => Moneyhub(config));

  const oidc = await run.do("getOpenIdConfig", async () => {
    const doc = await moneyhub.getOpenIdConfig();
    assert.equal(doc.issuer, `${IDENTITY}/oidc`, "discovery issuer");
    for (const key of ["authorization_endpoint", "token_endpoint", "jwks_uri"]) {
      assert.ok(String(doc[key]).startsWith(`${IDENTITY}/oidc/`), `discovery ${key}: ${doc[key]}`);
    }
    return doc;
  });

  const today = await run.do("sandbox clock (GET /__admin/clock)", async () => {
    const clock = await admin("GET", "/clock");
    return clock.now.slice(0, 10);
  });

  // ---- users ----
  const clientUserId = `journey-${run.label}-${randomUUID()}`;
  const user = await run.do("registerUser", async () => {
    const created = await moneyhub.registerUser({ clientUserId });
    assert.equal(typeof created.userId, "string", `registerUser returns the user itself: ${show(created)}`);
    assert.ok(created.userId);
    assert.equal(created.clientUserId, clientUserId);
    assert.equal(created.clientId, client.client_id);
    return created;
  });
  const userId = user.userId;

  await run.do("getUsers", async () => {
    const users = assertList(await moneyhub.getUsers(), "getUsers");
    assert.ok(users.some((u) => u.userId === userId), `getUsers lacks ${userId}`);
    const page = assertList(await moneyhub.getUsers({ limit: 1, offset: 0 }), "getUsers limit=1");
    assert.equal(page.length, 1, "getUsers({limit: 1}) returns one user");
  });

  await run.do("getUser", async () => {
    const found = await moneyhub.getUser({ userId });
    assert.equal(found.userId, userId, `getUser returns the user itself: ${show(found)}`);
    assert.equal(found.clientUserId, clientUserId);
  });

  // ---- connect the mock bank: authorize URL, consent page, code exchange ----
  const connState = random();
  const connNonce = random();
  const authUrl = await run.do("getAuthorizeUrlForCreatedUser", async () => {
    const url = await moneyhub.getAuthorizeUrlForCreatedUser({
      bankId: BANK_ID,
      state: connState,
      nonce: connNonce,
      userId,
    });
    const parsed = new URL(url);
    assert.equal(`${parsed.origin}${parsed.pathname}`, oidc.authorization_endpoint);
    assert.ok(parsed.searchParams.get("request"), "the URL carries a request object");
    assert.equal(parsed.searchParams.get("scope"), `id:${BANK_ID} openid`);
    return url;
  });

  const connCallback = await run.do("consent page (POST /__admin/authorize)", async () => {
    const params = await consent(authUrl, client.redirect_uri);
    assert.equal(params.state, connState, "state comes back unchanged");
    if (client.response_type.split(" ").includes("id_token")) {
      assert.ok(params.id_token, "response_type code id_token: the redirect carries an id_token");
    }
    return params;
  });

  const connectionId = await run.do("exchangeCodeForTokens", async () => {
    const tokens = await moneyhub.exchangeCodeForTokens({
      paramsFromCallback: connCallback,
      localParams: { state: connState, nonce: connNonce, response_type: client.response_type, sub: userId },
    });
    assert.ok(tokens.access_token, "an access token");
    const claims = tokens.claims();
    assert.equal(claims.sub, userId, "id_token sub is the user");
    assert.equal(claims.nonce, connNonce, "id_token nonce");
    assert.equal(typeof claims["mh:con_id"], "string", `id_token mh:con_id: ${show(claims)}`);
    assert.ok(claims["mh:con_id"].startsWith(`${BANK_ID}:`), `mh:con_id is <bankId>:<id>, got ${claims["mh:con_id"]}`);
    return claims["mh:con_id"];
  });

  const connection = await run.do("getUserConnections", async () => {
    const connections = assertList(await moneyhub.getUserConnections({ userId }), "getUserConnections");
    const found = connections.find((c) => c.id === connectionId);
    assert.ok(found, `getUserConnections lacks ${connectionId}: ${show(connections)}`);
    assert.ok(Array.isArray(found.accountIds) && found.accountIds.length > 0, `connection accountIds: ${show(found)}`);
    return found;
  });

  // ---- accounts ----
  const accounts = await run.do("getAccounts", async () => {
    const list = assertList(await moneyhub.getAccounts({ userId }), "getAccounts");
    for (const id of connection.accountIds) {
      assert.ok(list.some((a) => a.id === id), `getAccounts lacks the connection's account ${id}`);
    }
    for (const account of list) {
      assert.equal(typeof account.accountName, "string", `accountName in ${show(account)}`);
      assert.equal(typeof account.type, "string", `type in ${show(account)}`);
      assertAmount(account.balance?.amount, `account ${account.id} balance`);
    }
    if (list.length > 1) {
      const page = assertList(await moneyhub.getAccounts({ userId, params: { limit: 1, offset: 1 } }), "getAccounts limit=1&offset=1");
      assert.deepEqual(page.map((a) => a.id), [list[1].id], "getAccounts paging: limit=1&offset=1 is the second account");
    }
    return list;
  });
  const connected = accounts.filter((a) => connection.accountIds.includes(a.id));
  const current = connected.find((a) => a.type === "cash:current") ?? connected[0];

  await run.do("getAccount", async () => {
    const account = assertEnvelope(await moneyhub.getAccount({ userId, accountId: current.id }), "getAccount");
    assert.equal(account.id, current.id);
    assert.equal(account.accountName, current.accountName);
  });

  const manual = await run.do("createAccount", async () => {
    const account = assertEnvelope(
      await moneyhub.createAccount({
        userId,
        account: {
          accountName: "Journey savings",
          providerName: "Journey Bank",
          type: "savings",
          accountType: "personal",
          balance: { amount: { value: 123456 }, date: addDays(today, -1) },
        },
      }),
      "createAccount",
    );
    assert.equal(typeof account.id, "string");
    assert.equal(account.accountName, "Journey savings");
    assert.equal(account.type, "savings");
    assertAmount(account.balance?.amount, "createAccount balance");
    assert.equal(account.balance.amount.value, 123456);
    return account;
  });

  await run.do("updateAccount", async () => {
    const patch = { accountName: "Journey savings (renamed)", providerName: "Journey Bank" };
    const account = assertEnvelope(await moneyhub.updateAccount({ userId, accountId: manual.id, account: patch }), "updateAccount");
    assert.equal(account.id, manual.id);
    assert.equal(account.accountName, patch.accountName);
    const again = assertEnvelope(await moneyhub.getAccount({ userId, accountId: manual.id }), "getAccount after update");
    assert.equal(again.accountName, patch.accountName, "the rename is kept");
  });

  await run.do("getAccountBalances", async () => {
    const balances = assertList(await moneyhub.getAccountBalances({ userId, accountId: manual.id }), "getAccountBalances");
    assert.ok(balances.length > 0, "at least the opening balance");
    balances.forEach((b) => assertAmount(b.amount, "balance"));
    assert.ok(balances.some((b) => b.amount.value === 123456), `the opening balance: ${show(balances)}`);
  });

  await run.do("addAccountBalance", async () => {
    const balance = { amount: { value: 234567 }, date: today };
    const added = assertEnvelope(await moneyhub.addAccountBalance({ userId, accountId: manual.id, balance }), "addAccountBalance");
    assert.equal(added.amount?.value, 234567, `addAccountBalance returns the balance: ${show(added)}`);
    const balances = assertList(await moneyhub.getAccountBalances({ userId, accountId: manual.id }), "getAccountBalances after add");
    assert.ok(balances.some((b) => b.amount.value === 234567), `the added balance is listed: ${show(balances)}`);
  });

  await run.do("getAccountHoldings", async () => {
    assertList(await moneyhub.getAccountHoldings({ userId, accountId: current.id }), "getAccountHoldings");
  });

  await run.do("getAccountCounterparties", async () => {
    const counterparties = assertList(await moneyhub.getAccountCounterparties({ userId, accountId: current.id }), "getAccountCounterparties");
    assert.ok(counterparties.length > 0, "the current account has counterparties");
    for (const c of counterparties) {
      assert.equal(typeof c.id, "string", `counterparty id: ${show(c)}`);
      assert.equal(typeof c.label, "string", `counterparty label: ${show(c)}`);
      assert.ok(["global", "local"].includes(c.type), `counterparty type: ${show(c)}`);
    }
  });

  await run.do("getAccountRecurringTransactions", async () => {
    const estimates = assertList(
      await moneyhub.getAccountRecurringTransactions({ userId, accountId: current.id }),
      "getAccountRecurringTransactions",
    );
    assert.ok(estimates.length > 0, "the current account has recurring transactions (salary, rent, bills)");
  });

  // ---- transactions ----
  const history = await run.do("getTransactions (accountId, limit=1000)", async () => {
    const list = assertList(
      await moneyhub.getTransactions({ userId, params: { accountId: current.id, limit: 1000 } }),
      "getTransactions",
    );
    assert.ok(list.length >= 10, `the current account has a history, got ${list.length} transactions`);
    for (const t of list) {
      assert.equal(t.accountId, current.id, `accountId filter: ${show(t)}`);
      assertAmount(t.amount, `transaction ${t.id}`);
      assert.match(t.categoryId, /^(std|cus):/, `categoryId of ${t.id}`);
      assert.equal(typeof t.date, "string");
    }
    return list;
  });

  await run.do("getTransactions (limit/offset paging)", async () => {
    const first = assertList(await moneyhub.getTransactions({ userId, params: { accountId: current.id, limit: 5, offset: 0 } }), "page 1");
    const second = assertList(await moneyhub.getTransactions({ userId, params: { accountId: current.id, limit: 5, offset: 5 } }), "page 2");
    assert.deepEqual(first.map((t) => t.id), history.slice(0, 5).map((t) => t.id), "limit=5&offset=0");
    assert.deepEqual(second.map((t) => t.id), history.slice(5, 10).map((t) => t.id), "limit=5&offset=5");
  });

  await run.do("getTransactions (startDate/endDate)", async () => {
    const newest = history.map((t) => t.date.slice(0, 10)).sort().at(-1);
    const startDate = addDays(newest, -40);
    const endDate = addDays(newest, -10);
    const inWindow = history.filter((t) => t.date.slice(0, 10) >= startDate && t.date.slice(0, 10) <= endDate);
    const list = assertList(
      await moneyhub.getTransactions({ userId, params: { accountId: current.id, startDate, endDate, limit: 1000 } }),
      "getTransactions by date",
    );
    for (const t of list) {
      const day = t.date.slice(0, 10);
      assert.ok(day >= startDate && day <= endDate, `${t.id} on ${day} is outside ${startDate}..${endDate}`);
    }
    assert.deepEqual(list.map((t) => t.id).sort(), inWindow.map((t) => t.id).sort(), `the transactions of ${startDate}..${endDate}`);
    assert.ok(list.length > 0, "the window holds transactions");
  });

  await run.do("getTransaction", async () => {
    const t = assertEnvelope(await moneyhub.getTransaction({ userId, transactionId: history[0].id }), "getTransaction");
    assert.equal(t.id, history[0].id);
    assert.equal(t.amount.value, history[0].amount.value);
  });

  const spendCategoryId = (history.find((t) => t.amount.value < 0) ?? history[0]).categoryId;
  const newTransaction = (n, value) => ({
    accountId: manual.id,
    amount: { value },
    categoryId: spendCategoryId,
    categoryIdConfirmed: true,
    date: `${today}T12:0${n}:00.000Z`,
    longDescription: `Journey purchase ${n}`,
    shortDescription: `Journey ${n}`,
    notes: "added by journey.mjs",
    status: "posted",
  });

  const added = await run.do("addTransaction", async () => {
    const t = assertEnvelope(await moneyhub.addTransaction({ userId, transaction: newTransaction(1, -1234) }), "addTransaction");
    assert.equal(typeof t.id, "string");
    assert.equal(t.accountId, manual.id);
    assert.equal(t.amount.value, -1234);
    assert.equal(t.categoryId, spendCategoryId);
    assert.equal(t.longDescription, "Journey purchase 1");
    return t;
  });

  await run.do("addTransactions", async () => {
    const ids = assertList(
      await moneyhub.addTransactions({ userId, transactions: [newTransaction(2, -250), newTransaction(3, 5000)] }),
      "addTransactions",
    );
    assert.equal(ids.length, 2, `two ids: ${show(ids)}`);
    ids.forEach((item) => assert.equal(typeof item.id, "string", `ids: ${show(ids)}`));
    const onManual = assertList(await moneyhub.getTransactions({ userId, params: { accountId: manual.id } }), "getTransactions manual");
    const listed = onManual.map((t) => t.id);
    for (const id of [added.id, ...ids.map((i) => i.id)]) assert.ok(listed.includes(id), `${id} is listed`);
  });

  await run.do("updateTransaction", async () => {
    const patch = { notes: "updated by journey.mjs", longDescription: "Journey purchase 1 (updated)" };
    const t = assertEnvelope(await moneyhub.updateTransaction({ userId, transactionId: added.id, transaction: patch }), "updateTransaction");
    assert.equal(t.id, added.id);
    assert.equal(t.notes, patch.notes);
    assert.equal(t.longDescription, patch.longDescription);
    assert.equal(t.amount.value, -1234, "untouched fields stay");
  });

  await run.do("deleteTransaction", async () => {
    expectNoContent(await moneyhub.deleteTransaction({ userId, transactionId: added.id }), "deleteTransaction");
    await expect404(() => moneyhub.getTransaction({ userId, transactionId: added.id }), "getTransaction after delete");
  });

  // ---- categories ----
  const categories = await run.do("getCategories", async () => {
    const list = assertList(await moneyhub.getCategories({ userId }), "getCategories");
    assert.ok(list.length > 0, "standard categories");
    for (const c of list) {
      assert.match(c.categoryId, /^(std|cus):/, `categoryId: ${show(c)}`);
      assert.match(c.group, /^group:\d+/, `group: ${show(c)}`);
    }
    return list;
  });

  await run.do("getCategory", async () => {
    const c = assertEnvelope(await moneyhub.getCategory({ userId, categoryId: categories[0].categoryId }), "getCategory");
    assert.equal(c.categoryId, categories[0].categoryId);
    assert.equal(c.group, categories[0].group);
  });

  const custom = await run.do("createCustomCategory", async () => {
    const category = { group: categories[0].group, name: `Journey ${run.label}` };
    const c = assertEnvelope(await moneyhub.createCustomCategory({ userId, category }), "createCustomCategory");
    assert.match(c.categoryId, /^cus:/, `custom category id: ${show(c)}`);
    assert.equal(c.name, category.name);
    assert.equal(c.group, category.group);
    const again = assertEnvelope(await moneyhub.getCategory({ userId, categoryId: c.categoryId }), "getCategory custom");
    assert.equal(again.name, category.name);
    return c;
  });

  await run.do("getCategoryGroups", async () => {
    const groups = assertList(await moneyhub.getCategoryGroups({ userId }), "getCategoryGroups");
    for (const g of groups) {
      assert.match(g.id, /^group:\d+$/, `group id: ${show(g)}`);
      assert.equal(typeof g.key, "string", `group key: ${show(g)}`);
    }
    assert.ok(groups.some((g) => g.id === custom.group), `the custom category's group ${custom.group} is listed`);
  });

  // ---- spending analysis ----
  await run.do("getSpendingAnalysis", async () => {
    const monthStart = `${today.slice(0, 8)}01`;
    const previousEnd = addDays(monthStart, -1);
    const previousStart = `${previousEnd.slice(0, 8)}01`;
    const dates = [
      { name: "currentMonth", from: monthStart, to: today },
      { name: "previousMonth", from: previousStart, to: previousEnd },
    ];
    const analysis = assertEnvelope(await moneyhub.getSpendingAnalysis({ userId, dates }), "getSpendingAnalysis");
    assert.ok(Array.isArray(analysis.categories), `categories: ${show(analysis)}`);
    for (const { name } of dates) {
      assert.equal(typeof analysis.total?.[name], "number", `total.${name}: ${show(analysis.total)}`);
      const sum = analysis.categories.reduce((acc, c) => acc + (c[name] ?? 0), 0);
      assert.equal(sum, analysis.total[name], `total.${name} is the sum over the categories`);
    }
    assert.notEqual(analysis.total.previousMonth, 0, "the user spent something last month");
    const spent = analysis.categories.find((c) => c.previousMonth);
    const filtered = assertEnvelope(
      await moneyhub.getSpendingAnalysis({ userId, dates, categoryIds: [spent.categoryId] }),
      "getSpendingAnalysis by category",
    );
    assert.deepEqual(filtered.categories.map((c) => c.categoryId), [spent.categoryId], "categoryIds filter");
    assert.equal(filtered.total.previousMonth, spent.previousMonth, "the filtered total is that category's");
  });

  // ---- spending goals ----
  const spendingGoal = await run.do("createSpendingGoal", async () => {
    const goal = assertEnvelope(
      await moneyhub.createSpendingGoal({ categoryId: spendCategoryId, periodType: "monthly", periodStart: "01", amount: { value: 20000 }, userId }),
      "createSpendingGoal",
    );
    assert.equal(typeof goal.id, "string");
    assert.equal(goal.categoryId, spendCategoryId);
    assert.equal(goal.periodType, "monthly");
    assertAmount(goal.amount, "spending goal");
    assert.equal(goal.amount.value, 20000);
    return goal;
  });

  await run.do("getSpendingGoals", async () => {
    const goals = assertList(await moneyhub.getSpendingGoals({}, userId), "getSpendingGoals");
    assert.ok(goals.some((g) => g.id === spendingGoal.id), `getSpendingGoals lacks ${spendingGoal.id}`);
  });

  await run.do("getSpendingGoal", async () => {
    const goal = assertEnvelope(await moneyhub.getSpendingGoal({ goalId: spendingGoal.id, userId }), "getSpendingGoal");
    assert.equal(goal.id, spendingGoal.id);
    assert.equal(goal.amount.value, 20000);
  });

  await run.do("updateSpendingGoal", async () => {
    const goal = assertEnvelope(
      await moneyhub.updateSpendingGoal({ goalId: spendingGoal.id, amount: { value: 25000 }, userId }),
      "updateSpendingGoal",
    );
    assert.equal(goal.id, spendingGoal.id);
    assert.equal(goal.amount.value, 25000);
    assert.equal(goal.categoryId, spendCategoryId, "untouched fields stay");
  });

  await run.do("deleteSpendingGoal", async () => {
    expectNoContent(await moneyhub.deleteSpendingGoal({ goalId: spendingGoal.id, userId }), "deleteSpendingGoal");
    await expect404(() => moneyhub.getSpendingGoal({ goalId: spendingGoal.id, userId }), "getSpendingGoal after delete");
  });

  // ---- savings goals ----
  const savingsGoal = await run.do("createSavingsGoal", async () => {
    const goal = assertEnvelope(
      await moneyhub.createSavingsGoal({
        name: "Journey holiday",
        amount: { value: 500000 },
        notes: "saved by journey.mjs",
        accounts: [{ id: manual.id }],
        userId,
      }),
      "createSavingsGoal",
    );
    assert.equal(typeof goal.id, "string");
    assert.equal(goal.name, "Journey holiday");
    assertAmount(goal.amount, "savings goal");
    assert.equal(goal.amount.value, 500000);
    assert.deepEqual(goal.accounts.map((a) => a.id), [manual.id]);
    return goal;
  });

  await run.do("getSavingsGoals", async () => {
    const goals = assertList(await moneyhub.getSavingsGoals({}, userId), "getSavingsGoals");
    assert.ok(goals.some((g) => g.id === savingsGoal.id), `getSavingsGoals lacks ${savingsGoal.id}`);
  });

  await run.do("getSavingsGoal", async () => {
    const goal = assertEnvelope(await moneyhub.getSavingsGoal({ goalId: savingsGoal.id, userId }), "getSavingsGoal");
    assert.equal(goal.id, savingsGoal.id);
    assert.equal(goal.name, "Journey holiday");
  });

  await run.do("updateSavingsGoal", async () => {
    const goal = assertEnvelope(
      await moneyhub.updateSavingsGoal({
        goalId: savingsGoal.id,
        name: "Journey holiday (renamed)",
        amount: { value: 600000 },
        accounts: [{ id: manual.id }],
        userId,
      }),
      "updateSavingsGoal",
    );
    assert.equal(goal.id, savingsGoal.id);
    assert.equal(goal.name, "Journey holiday (renamed)");
    assert.equal(goal.amount.value, 600000);
    assert.equal(goal.notes, "saved by journey.mjs", "untouched fields stay");
  });

  await run.do("deleteSavingsGoal", async () => {
    expectNoContent(await moneyhub.deleteSavingsGoal({ goalId: savingsGoal.id, userId }), "deleteSavingsGoal");
    await expect404(() => moneyhub.getSavingsGoal({ goalId: savingsGoal.id, userId }), "getSavingsGoal after delete");
  });

  // ---- payees and a payment ----
  const payee = await run.do("addPayee", async () => {
    const p = assertEnvelope(
      await moneyhub.addPayee({ accountNumber: "12345678", sortCode: "123456", name: "Journey payee", externalId: `journey-${random()}` }),
      "addPayee",
    );
    assert.equal(typeof p.id, "string");
    assert.equal(p.name, "Journey payee");
    assert.equal(p.sortCode, "123456");
    assert.equal(p.accountNumber, "12345678");
    return p;
  });

  await run.do("getPayees", async () => {
    const payees = assertList(await moneyhub.getPayees(), "getPayees");
    assert.ok(payees.some((p) => p.id === payee.id), `getPayees lacks ${payee.id}`);
  });

  const payState = random();
  const payNonce = random();
  const payment = { amount: 150, payeeRef: "Journey payee ref", payerRef: "Journey payer" };
  const payUrl = await run.do("getPaymentAuthorizeUrl", async () => {
    const url = await moneyhub.getPaymentAuthorizeUrl({
      bankId: BANK_ID,
      payeeId: payee.id,
      ...payment,
      state: payState,
      nonce: payNonce,
      userId,
    });
    assert.ok(
      url.startsWith(`${oidc.authorization_endpoint}?request_uri=urn:x-mh-request:`),
      `the URL is the authorization endpoint with the request_uri from POST ${IDENTITY}/request: ${url}`,
    );
    return url;
  });

  const payCallback = await run.do("payment consent page (POST /__admin/authorize)", async () => {
    const params = await consent(payUrl, client.redirect_uri);
    assert.equal(params.state, payState, "state comes back unchanged");
    return params;
  });

  const payTokens = await run.do("exchangeCodeForTokens (payment)", async () => {
    const tokens = await moneyhub.exchangeCodeForTokens({
      paramsFromCallback: payCallback,
      localParams: { state: payState, nonce: payNonce, response_type: client.response_type },
    });
    const claims = tokens.claims();
    assert.equal(typeof claims["mh:payment"], "string", `id_token mh:payment names the payment: ${show(claims)}`);
    assert.ok(claims["mh:payment"]);
    return tokens;
  });
  const paymentId = payTokens.claims()["mh:payment"];

  await run.do("getPayments", async () => {
    const payments = assertList(await moneyhub.getPayments(), "getPayments");
    assert.ok(payments.some((p) => p.id === paymentId), `getPayments lacks ${paymentId}`);
  });

  await run.do("getPayment", async () => {
    const p = assertEnvelope(await moneyhub.getPayment({ id: paymentId }), "getPayment");
    assert.equal(p.id, paymentId);
    assert.equal(p.amount, payment.amount);
    assert.equal(p.payeeId, payee.id);
    assert.equal(p.payeeRef, payment.payeeRef);
    assert.equal(p.payerRef, payment.payerRef);
    assert.equal(typeof p.status, "string");
    assert.ok(!p.status.startsWith("error") && p.status !== "rejected", `payment status ${p.status}`);
    assert.ok(p.exchangedAt, `an authorised payment has exchangedAt: ${show(p)}`);
    assert.ok(p.connectionId, `an authorised payment has connectionId: ${show(p)}`);
    const viaToken = assertEnvelope(await moneyhub.getPaymentFromIDToken({ idToken: payTokens.id_token }), "getPaymentFromIDToken");
    assert.equal(viaToken.id, paymentId);
  });

  // ---- clean up: account, connection, user ----
  await run.do("deleteAccount", async () => {
    expectNoContent(await moneyhub.deleteAccount({ userId, accountId: manual.id }), "deleteAccount");
    await expect404(() => moneyhub.getAccount({ userId, accountId: manual.id }), "getAccount after delete");
  });

  await run.do("deleteUserConnection", async () => {
    expectSuccessStatus(await moneyhub.deleteUserConnection({ userId, connectionId }), "deleteUserConnection");
    const connections = assertList(await moneyhub.getUserConnections({ userId }), "getUserConnections after delete");
    assert.ok(!connections.some((c) => c.id === connectionId), "the connection is gone");
    const left = assertList(await moneyhub.getAccounts({ userId }), "getAccounts after delete");
    assert.ok(!left.some((a) => connection.accountIds.includes(a.id)), "its accounts are gone");
    const txs = assertList(await moneyhub.getTransactions({ userId, params: { limit: 1000 } }), "getTransactions after delete");
    assert.ok(!txs.some((t) => connection.accountIds.includes(t.accountId)), "its transactions are gone");
  });

  await run.do("deleteUser", async () => {
    expectSuccessStatus(await moneyhub.deleteUser({ userId }), "deleteUser");
    await expect404(() => moneyhub.getUser({ userId }), "getUser after delete");
  });
}

// ---- the two runs ----
const RUNS = {
  // The fixture client (fixtures/moneyhub/clients.yaml), HTTP Basic at the token endpoint.
  client_secret_basic: async (run) => {
    await journey(run, {
      client_id: "moneyhub-sandbox-client",
      client_secret: "moneyhub-sandbox-secret",
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
      request_object_signing_alg: "none",
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      keys: [],
    });
  },
  // A client registered through the admin API with our public key; the client signs its
  // token-endpoint assertions and request objects with the private one.
  private_key_jwt: async (run) => {
    const kid = `journey-${random()}`;
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicJwk = { ...publicKey.export({ format: "jwk" }), kid, alg: PKJWT_ALG, use: "sig" };
    const privateJwk = { ...privateKey.export({ format: "jwk" }), kid, alg: PKJWT_ALG, use: "sig" };
    const clientId = `journey-pkjwt-${random()}`;
    await run.do("register client (POST /__admin/clients)", async () => {
      const registered = await admin("POST", "/clients", {
        provider: "moneyhub",
        client_id: clientId,
        client_secret: `secret-${random()}`,
        name: "Journey private_key_jwt client",
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [publicJwk] },
        request_object_signing_alg: PKJWT_ALG,
      });
      assert.equal(registered.client_id, clientId);
    });
    await journey(run, {
      client_id: clientId,
      token_endpoint_auth_method: "private_key_jwt",
      id_token_signed_response_alg: "RS256",
      request_object_signing_alg: PKJWT_ALG,
      redirect_uri: REDIRECT_URI,
      response_type: "code id_token",
      keys: [privateJwk],
    });
  },
};

const selected = (process.env.MONEYHUB_JOURNEYS || Object.keys(RUNS).join(",")).split(",").map((s) => s.trim()).filter(Boolean);
const results = [];
for (const label of selected) {
  assert.ok(RUNS[label], `unknown journey ${label}; choose from ${Object.keys(RUNS).join(", ")}`);
  const run = new Run(label);
  console.log(`# ${label}: ${BASE}`);
  try {
    await RUNS[label](run);
    results.push(`# ${label}: passed, ${run.passed} steps`);
  } catch (err) {
    console.log(`not ok ${label} ${run.step}\n    ${describeError(err)}`);
    results.push(`# ${label}: FAILED at step "${run.step}" after ${run.passed} steps`);
  }
}
console.log(results.join("\n"));
process.exit(results.some((line) => line.includes("FAILED")) ? 1 : 0);
