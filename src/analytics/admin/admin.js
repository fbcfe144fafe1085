// Admin dashboard. Plain DOM and Chart.js (served by us); every piece of data goes in through textContent.
'use strict';

(() => {
  const TOKEN_KEY = 'helpdesk.adminToken';
  // The same remembered language switch as the staff console: the browser's language until the user picks one.
  const LANG_KEY = 'helpdesk.locale';
  const $ = (id) => document.getElementById(id);
  const COLORS = { bot: '#1a7f37', escalated: '#bf8700', it: '#0969da', abandoned: '#8c959f', progress: '#d0d7de', line: '#0969da', red: '#cf222e' };

  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let strings = {};
  let locale = 'ja';
  let data = null;
  const charts = new Map();

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  function browserLocale() {
    const languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'ja'];
    const first = languages.find((l) => /^(ja|en)\b/i.test(l));
    return first && /^en/i.test(first) ? 'en' : first ? 'ja' : 'en';
  }

  function t(key, values) {
    const entry = strings[key];
    let text = entry ? entry[locale] : key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  function applyStrings() {
    document.documentElement.lang = locale;
    document.title = t('pageTitle');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  }

  async function api(method, path) {
    const res = await fetch(path, { method, headers: { authorization: `Bearer ${token}` } });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json().catch(() => null) : await res.text();
    if (res.status === 401) {
      signOut(t('tokenRejected'));
      throw new ApiError(401, body);
    }
    if (!res.ok && res.status !== 422) throw new ApiError(res.status, body);
    return { status: res.status, body };
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);
  const number = (n) => (n === null || n === undefined ? '—' : new Intl.NumberFormat(locale === 'ja' ? 'ja-JP' : 'en-US').format(n));
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 60) return t('seconds', { n: seconds });
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return t('minutes', { n: minutes });
    return t('hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
  }
  const titleOf = (title) => (title ? title[locale] : '');

  // ---- sign-in ----
  function signOut(message) {
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    $('dashboard').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
  }

  async function signIn(candidate) {
    token = candidate;
    let me;
    try {
      me = (await api('GET', '/api/admin/whoami')).body;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) signOut(t('loadFailed', { message: err.message }));
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('who').hidden = false;
    $('admin-name').textContent = me.name;
    await Promise.all([load(), loadContentStatus()]);
  }

  // ---- report ----
  function query(extra) {
    const params = new URLSearchParams();
    // Until the admin picks dates, the server chooses: the last 30 days in the helpdesk's time zone.
    if ($('from').value) params.set('from', $('from').value);
    if ($('to').value) params.set('to', $('to').value);
    if ($('channel').value) params.set('channel', $('channel').value);
    for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
    return params.toString();
  }

  async function load() {
    $('load-error').textContent = '';
    try {
      const { body } = await api('GET', `/api/admin/report?${query()}`);
      data = body;
      $('from').value = data.report.range.from;
      $('to').value = data.report.range.to;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) $('load-error').textContent = t('loadFailed', { message: err.message });
      return;
    }
    const select = $('channel');
    const chosen = select.value;
    select.replaceChildren(el('option', t('allChannels')));
    select.firstChild.value = '';
    for (const channel of data.channels) {
      const option = el('option', channel);
      option.value = channel;
      select.append(option);
    }
    select.value = data.channels.includes(chosen) ? chosen : '';
    render();
  }

  function table(containerId, columns, rows) {
    const container = $(containerId);
    if (rows.length === 0) {
      container.replaceChildren(el('p', t('noData'), 'muted'));
      return;
    }
    const head = el('tr');
    for (const column of columns) head.append(el('th', t(column.label), column.num ? 'num' : ''));
    const body = el('tbody');
    for (const row of rows) {
      const tr = el('tr');
      for (const column of columns) {
        const td = el('td', column.format ? column.format(row[column.key], row) : row[column.key], column.num ? 'num' : column.text ? 'text' : '');
        td.dataset.col = column.key;
        tr.append(td);
      }
      body.append(tr);
    }
    const thead = el('thead');
    thead.append(head);
    const node = el('table');
    node.append(thead, body);
    container.replaceChildren(node);
  }

  function chart(id, config) {
    const existing = charts.get(id);
    if (existing) existing.destroy();
    if (typeof Chart === 'undefined') return;
    const options = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } }, ...config.options };
    charts.set(id, new Chart($(id), { ...config, options }));
  }

  const outcomeColumns = [
    { key: 'problems', label: 'problems', num: true, format: number },
    { key: 'resolvedByBot', label: 'resolvedByBot', num: true, format: number },
    { key: 'escalated', label: 'escalated', num: true, format: number },
    { key: 'resolvedByIt', label: 'resolvedByIt', num: true, format: number },
    { key: 'abandoned', label: 'abandoned', num: true, format: number },
    { key: 'inProgress', label: 'inProgress', num: true, format: number },
    { key: 'deflectionRate', label: 'deflectionRate', num: true, format: percent },
  ];

  function outcomeDatasets(rows) {
    return [
      { label: t('resolvedByBot'), data: rows.map((r) => r.resolvedByBot), backgroundColor: COLORS.bot },
      { label: t('escalated'), data: rows.map((r) => r.escalated), backgroundColor: COLORS.escalated },
      { label: t('resolvedByIt'), data: rows.map((r) => r.resolvedByIt), backgroundColor: COLORS.it },
      { label: t('abandoned'), data: rows.map((r) => r.abandoned), backgroundColor: COLORS.abandoned },
      { label: t('inProgress'), data: rows.map((r) => r.inProgress), backgroundColor: COLORS.progress },
    ];
  }

  /** Long runbook titles are cut on the axis (the table below has them whole). */
  function shortLabel(value) {
    const label = String(this.getLabelForValue(value));
    return label.length > 40 ? `${label.slice(0, 39)}…` : label;
  }
  const stacked = { indexAxis: 'y', scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { callback: shortLabel } } } };

  function render() {
    if (!data) return;
    const { report } = data;
    const s = report.summary;
    $('sum-rate').textContent = percent(s.deflectionRate);
    $('sum-problems').textContent = number(s.problems);
    $('sum-bot').textContent = number(s.resolvedByBot);
    $('sum-escalated').textContent = number(s.escalated);
    $('sum-it').textContent = number(s.resolvedByIt);
    $('sum-abandoned').textContent = number(s.abandoned);
    $('sum-progress').textContent = number(s.inProgress);
    $('deflection-note').textContent = t('deflectionNote', { minutes: report.abandonedAfterMinutes });

    // Deflection over time: the rate as a line, the number of problems as bars.
    chart('chart-deflection', {
      type: 'bar',
      data: {
        labels: report.deflection.map((d) => d.day.slice(5)),
        datasets: [
          { type: 'line', label: t('deflectionRate'), data: report.deflection.map((d) => (d.deflectionRate === null ? null : Math.round(d.deflectionRate * 1000) / 10)), borderColor: COLORS.line, backgroundColor: COLORS.line, yAxisID: 'rate', spanGaps: true, pointRadius: 4 },
          { label: t('problems'), data: report.deflection.map((d) => d.problems), backgroundColor: COLORS.progress, yAxisID: 'count' },
          { label: t('resolvedByBot'), data: report.deflection.map((d) => d.resolvedByBot), backgroundColor: COLORS.bot, yAxisID: 'count' },
        ],
      },
      options: {
        scales: {
          rate: { position: 'left', min: 0, max: 100, ticks: { callback: (v) => `${v}%` } },
          count: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
      },
    });
    table('table-deflection', [{ key: 'day', label: 'colDay' }, ...outcomeColumns], report.deflection.filter((d) => d.problems > 0));

    chart('chart-by-runbook', { type: 'bar', data: { labels: report.byRunbook.map((r) => titleOf(r.title)), datasets: outcomeDatasets(report.byRunbook) }, options: stacked });
    table('table-by-runbook', [{ key: 'title', label: 'colRunbook', format: titleOf }, ...outcomeColumns], report.byRunbook);

    chart('chart-by-error', { type: 'bar', data: { labels: report.byError.map((r) => r.error), datasets: outcomeDatasets(report.byError) }, options: stacked });
    table('table-by-error', [{ key: 'error', label: 'colError' }, ...outcomeColumns], report.byError);

    renderFunnelChoices();
    renderFunnel();

    chart('chart-escalations', {
      type: 'bar',
      data: { labels: report.escalations.map((e) => t(`reason_${e.reason}`)), datasets: [{ label: t('colCount'), data: report.escalations.map((e) => e.count), backgroundColor: COLORS.escalated }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } },
    });
    table('table-escalations', [{ key: 'reason', label: 'colReason', format: (r) => t(`reason_${r}`) }, { key: 'count', label: 'colCount', num: true, format: number }], report.escalations);

    const minutes = (s) => (s === null ? null : Math.round((s / 60) * 10) / 10);
    chart('chart-times', {
      type: 'bar',
      data: {
        labels: report.times.map((m) => t(`measure_${m.measure}`)),
        datasets: [
          { label: `${t('colMedian')} (${t('minutes', { n: '' }).trim()})`, data: report.times.map((m) => minutes(m.medianSeconds)), backgroundColor: COLORS.it },
          { label: `${t('colP90')} (${t('minutes', { n: '' }).trim()})`, data: report.times.map((m) => minutes(m.p90Seconds)), backgroundColor: COLORS.escalated },
        ],
      },
      options: { indexAxis: 'y' },
    });
    table('table-times', [
      { key: 'measure', label: 'colMeasure', format: (m) => t(`measure_${m}`) },
      { key: 'count', label: 'colCount', num: true, format: number },
      { key: 'medianSeconds', label: 'colMedian', num: true, format: duration },
      { key: 'p90Seconds', label: 'colP90', num: true, format: duration },
    ], report.times);

    chart('chart-satisfaction', {
      type: 'bar',
      data: {
        labels: report.satisfaction.map((d) => d.day.slice(5)),
        datasets: [
          { type: 'line', label: t('colAverageRating'), data: report.satisfaction.map((d) => d.averageRating), borderColor: COLORS.line, backgroundColor: COLORS.line, yAxisID: 'rating', spanGaps: true, pointRadius: 4 },
          { label: t('colHelpfulYes'), data: report.satisfaction.map((d) => d.helpfulYes), backgroundColor: COLORS.bot, yAxisID: 'count', stack: 'helpful' },
          { label: t('colHelpfulNo'), data: report.satisfaction.map((d) => d.helpfulNo), backgroundColor: COLORS.red, yAxisID: 'count', stack: 'helpful' },
        ],
      },
      options: {
        scales: {
          rating: { position: 'left', min: 0, max: 5 },
          count: { position: 'right', beginAtZero: true, stacked: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
      },
    });
    table('table-satisfaction', [
      { key: 'day', label: 'colDay' },
      { key: 'helpfulYes', label: 'colHelpfulYes', num: true, format: number },
      { key: 'helpfulNo', label: 'colHelpfulNo', num: true, format: number },
      { key: 'ratings', label: 'colRatings', num: true, format: number },
      { key: 'averageRating', label: 'colAverageRating', num: true, format: (v) => (v === null ? '—' : v.toFixed(2)) },
    ], report.satisfaction.filter((d) => d.helpfulYes + d.helpfulNo + d.ratings > 0));

    chart('chart-agents', {
      type: 'bar',
      data: { labels: report.agents.map((a) => a.agent), datasets: [{ label: t('colAverageRating'), data: report.agents.map((a) => a.averageRating), backgroundColor: COLORS.it }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 5 } } },
    });
    table('table-agents', [
      { key: 'agent', label: 'colAgent' },
      { key: 'resolved', label: 'colResolved', num: true, format: number },
      { key: 'solvedYes', label: 'colSolvedYes', num: true, format: number },
      { key: 'solvedNo', label: 'colSolvedNo', num: true, format: number },
      { key: 'ratings', label: 'colRatings', num: true, format: number },
      { key: 'averageRating', label: 'colAverageRating', num: true, format: (v) => (v === null ? '—' : v.toFixed(2)) },
    ], report.agents);

    table('table-not-understood', [
      { key: 'text', label: 'colMessage', text: true },
      { key: 'count', label: 'colCount', num: true, format: number },
      { key: 'lastAt', label: 'colLastSeen', format: (iso) => new Date(iso).toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US') },
    ], report.notUnderstood);
  }

  function renderFunnelChoices() {
    const select = $('funnel-runbook');
    const chosen = select.value;
    select.replaceChildren();
    for (const funnel of data.report.funnels) {
      const option = el('option', titleOf(funnel.title));
      option.value = funnel.runbookId;
      select.append(option);
    }
    if (data.report.funnels.some((f) => f.runbookId === chosen)) select.value = chosen;
  }

  function renderFunnel() {
    const funnel = data.report.funnels.find((f) => f.runbookId === $('funnel-runbook').value) || data.report.funnels[0];
    const steps = funnel ? funnel.steps : [];
    chart('chart-funnel', {
      type: 'bar',
      data: {
        labels: steps.map((s) => `${s.index + 1}. ${titleOf(s.title)}`),
        datasets: [
          { label: t('colReached'), data: steps.map((s) => s.reached), backgroundColor: COLORS.progress },
          { label: t('colFixed'), data: steps.map((s) => s.fixed), backgroundColor: COLORS.bot },
          { label: t('colWentOn'), data: steps.map((s) => s.wentOn), backgroundColor: COLORS.it },
          { label: t('colStopped'), data: steps.map((s) => s.stopped), backgroundColor: COLORS.escalated },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    table('table-funnel', [
      { key: 'index', label: 'colCheck', format: (i, s) => `${i + 1}. ${titleOf(s.title)}` },
      { key: 'reached', label: 'colReached', num: true, format: number },
      { key: 'fixed', label: 'colFixed', num: true, format: number },
      { key: 'wentOn', label: 'colWentOn', num: true, format: number },
      { key: 'stopped', label: 'colStopped', num: true, format: number },
    ], steps);
  }

  async function downloadCsv(name) {
    try {
      const res = await fetch(`/api/admin/report/${name}.csv?${query({ lang: locale })}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      const blob = await res.blob();
      const disposition = res.headers.get('content-disposition') || '';
      const file = /filename="([^"]+)"/.exec(disposition)?.[1] || `${name}.csv`;
      const link = el('a');
      link.href = URL.createObjectURL(blob);
      link.download = file;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      $('load-error').textContent = t('loadFailed', { message: err.message });
    }
  }

  // ---- content ----
  async function loadContentStatus() {
    try {
      const { body } = await api('GET', '/api/admin/content');
      $('content-status').textContent = t('contentLoaded', { runbooks: body.runbooks.length, hash: body.hash });
    } catch (err) {
      $('content-status').textContent = t('loadFailed', { message: err.message });
    }
  }

  async function reload() {
    $('reload').disabled = true;
    $('reload-result').textContent = '';
    $('reload-result').className = '';
    $('reload-faults').replaceChildren();
    try {
      const { status, body } = await api('POST', '/api/admin/content/reload');
      if (status === 422) {
        $('reload-result').textContent = t('reloadFailed');
        $('reload-result').className = 'error';
        for (const fault of body.faults) $('reload-faults').append(el('li', `${fault.file}: ${fault.field}: ${fault.problem}`));
      } else {
        $('reload-result').textContent = body.changed ? t('reloadOk', body) : t('reloadUnchanged', body);
        $('reload-result').className = 'ok-text';
        await Promise.all([loadContentStatus(), load()]);
      }
    } catch (err) {
      $('reload-result').textContent = t('loadFailed', { message: err.message });
      $('reload-result').className = 'error';
    } finally {
      $('reload').disabled = false;
    }
  }

  // ---- start ----
  async function start() {
    strings = await (await fetch('/admin/strings.json')).json();
    const remembered = localStorage.getItem(LANG_KEY);
    locale = remembered === 'ja' || remembered === 'en' ? remembered : browserLocale();
    applyStrings();

    $('lang-switch').addEventListener('click', () => {
      locale = locale === 'ja' ? 'en' : 'ja';
      localStorage.setItem(LANG_KEY, locale);
      applyStrings();
      if (!$('dashboard').hidden) {
        render();
        void loadContentStatus();
      }
    });
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void signIn($('token').value.trim());
      $('token').value = '';
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      void load();
    });
    $('funnel-runbook').addEventListener('change', renderFunnel);
    for (const section of document.querySelectorAll('[data-table]')) {
      section.querySelector('button.csv').addEventListener('click', () => void downloadCsv(section.dataset.table));
    }
    $('reload').addEventListener('click', () => void reload());
    if (token) await signIn(token);
  }

  void start();
})();
