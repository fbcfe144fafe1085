// IT staff console. Plain DOM; every piece of user or agent text goes in through textContent, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'helpdesk.agentToken';
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let me = null;
  let currentId = null;
  let current = null;
  let streamAbort = null;
  let queueTimer = null;

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.code = body && body.code;
    }
  }

  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.status === 401) {
      signOut('Your token was not accepted (wrong or revoked). Please sign in again.');
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function formatWait(seconds) {
    if (seconds === null || seconds === undefined) return '';
    if (seconds < 60) return '<1 min';
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function errorText(error) {
    return error ? `${error.name} (${error.code} / ${error.hex})` : '—';
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  // ---- sign-in ----
  function showSignedIn() {
    $('sign-in').hidden = true;
    $('console').hidden = false;
    $('who').hidden = false;
    $('agent-name').textContent = me ? me.name : '';
  }

  function signOut(message) {
    token = '';
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
    clearInterval(queueTimer);
    $('console').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      me = await api('GET', '/api/agent/whoami');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) signOut(`Could not sign in: ${err.message}`);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    showSignedIn();
    await loadQueue();
    connectStream();
    clearInterval(queueTimer);
    queueTimer = setInterval(() => void loadQueue(), 30000);
  }

  // ---- queue ----
  async function loadQueue() {
    const status = $('status-filter').value;
    const data = await api('GET', `/api/agent/tickets${status ? `?status=${encodeURIComponent(status)}` : ''}`);
    const body = $('queue').querySelector('tbody');
    body.replaceChildren();
    for (const ticket of data.tickets) {
      const row = el('tr', null, `status-${ticket.status}${ticket.id === currentId ? ' selected' : ''}`);
      row.dataset.ticketId = String(ticket.id);
      row.tabIndex = 0;
      row.append(
        el('td', ticket.number),
        el('td', ticket.status + (ticket.assignee ? ` (${ticket.assignee.name})` : '')),
        el('td', errorText(ticket.error)),
        el('td', ticket.failedChecks.join(', ') || '—'),
        el('td', ticket.userName || 'anonymous'),
        el('td', ticket.channelId),
        el('td', formatWait(ticket.waitingSeconds)),
      );
      row.addEventListener('click', () => void openTicket(ticket.id));
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') void openTicket(ticket.id);
      });
      body.append(row);
    }
    $('queue-empty').hidden = data.tickets.length > 0;
  }

  // ---- one ticket ----
  async function openTicket(id) {
    currentId = id;
    $('ticket-error').textContent = '';
    try {
      current = await api('GET', `/api/agent/tickets/${id}`);
    } catch (err) {
      $('ticket-error').textContent = err.message;
      return;
    }
    renderTicket();
    for (const row of $('queue').querySelectorAll('tbody tr')) row.classList.toggle('selected', row.dataset.ticketId === String(id));
  }

  function renderTicket() {
    const { ticket, events, messages, resolution } = current;
    $('ticket-pane').hidden = false;
    $('ticket-title').textContent = `${ticket.number} · ${ticket.status}`;
    const facts = $('ticket-facts');
    facts.replaceChildren();
    const fact = (label, value) => facts.append(el('dt', label), el('dd', value));
    fact('Error', errorText(ticket.error));
    fact('User', `${ticket.userName || 'anonymous'} (${ticket.userId})${ticket.userEmail ? ` <${ticket.userEmail}>` : ''}`);
    fact('Channel', ticket.channelId);
    fact('Language', ticket.locale);
    fact('Reason', ticket.reason === 'checks_failed' ? 'The checks did not solve it' : 'Asked for a person');
    fact('Assignee', ticket.assignee ? ticket.assignee.name : '—');
    fact('Created', formatTime(ticket.createdAt));
    if (resolution.note) fact('Resolution note', resolution.note);
    if (resolution.solved !== null) fact('Solved (employee)', resolution.solved ? 'yes' : 'no');
    if (resolution.rating !== null) fact('Satisfaction', `${resolution.rating} / 5`);

    const checks = $('checks');
    checks.replaceChildren();
    for (const check of ticket.checks) {
      const item = el('li', null, `outcome-${check.outcome}`);
      item.append(el('span', check.outcome.replace('_', ' '), 'outcome'), document.createTextNode(' '), el('span', check.title));
      checks.append(item);
    }
    if (ticket.checks.length === 0) checks.append(el('li', 'No checks were run (the employee asked for a person).', 'muted'));

    const transcript = $('transcript');
    transcript.replaceChildren();
    for (const entry of messages) {
      const item = el('li', null, `role-${entry.role}`);
      item.append(el('span', entry.role === 'bot' ? 'Bot' : entry.author, 'author'), el('span', formatTime(entry.at), 'time'), el('p', entry.text, 'text'));
      transcript.append(item);
    }
    transcript.scrollTop = transcript.scrollHeight;

    const history = $('events');
    history.replaceChildren();
    for (const event of events) {
      history.append(el('li', `${formatTime(event.at)} · ${event.type.replace('ticket.', '')} · ${event.actor.name}${event.text ? ` · ${event.text}` : ''}`));
    }

    const mine = ticket.status === 'assigned' && ticket.assignee && me && ticket.assignee.id === me.id;
    $('claim').hidden = ticket.status !== 'queued';
    $('release').hidden = !mine;
    $('resolve').hidden = !(mine || ticket.status === 'queued');
    $('reply-form').hidden = !mine;
    if (!mine && !(ticket.status === 'queued')) $('resolve-form').hidden = true;
  }

  async function act(method, path, body) {
    $('ticket-error').textContent = '';
    try {
      await api(method, path, body);
    } catch (err) {
      if (err.status !== 401) $('ticket-error').textContent = err.message;
    }
    if (currentId !== null) await openTicket(currentId);
    await loadQueue();
  }

  // ---- live updates (Server-Sent Events read with fetch, so the token travels in a header) ----
  function connectStream() {
    if (streamAbort) streamAbort.abort();
    const controller = new AbortController();
    streamAbort = controller;
    const setLive = (on) => $('live').classList.toggle('on', on);
    const run = async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        try {
          const res = await fetch('/api/agent/stream', { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
          if (res.status === 401) return signOut('Your token was not accepted (wrong or revoked). Please sign in again.');
          if (!res.ok || !res.body) throw new Error(`stream HTTP ${res.status}`);
          setLive(true);
          delay = 1000;
          // Catch up on anything missed while disconnected.
          await loadQueue();
          if (currentId !== null) await openTicket(currentId);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              onStreamBlock(block);
            }
          }
        } catch (err) {
          if (controller.signal.aborted) return;
        }
        setLive(false);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 15000);
      }
    };
    void run();
  }

  function onStreamBlock(block) {
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (type !== 'ticket' || !data) return;
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    void loadQueue();
    if (payload.event && payload.event.ticketId === currentId) void openTicket(currentId);
  }

  // ---- wiring ----
  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      $('token').value = '';
      if (value) void signIn(value);
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    $('status-filter').addEventListener('change', () => void loadQueue());
    $('claim').addEventListener('click', () => void act('POST', `/api/agent/tickets/${currentId}/claim`));
    $('release').addEventListener('click', () => void act('POST', `/api/agent/tickets/${currentId}/release`));
    $('resolve').addEventListener('click', () => {
      $('resolve-form').hidden = false;
      $('resolve-note').focus();
    });
    $('resolve-cancel').addEventListener('click', () => ($('resolve-form').hidden = true));
    $('resolve-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const note = $('resolve-note').value.trim();
      $('resolve-note').value = '';
      $('resolve-form').hidden = true;
      void act('POST', `/api/agent/tickets/${currentId}/resolve`, note ? { note } : {});
    });
    $('reply-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $('reply').value.trim();
      if (!text) return;
      $('reply').value = '';
      void act('POST', `/api/agent/tickets/${currentId}/messages`, { text });
    });
    $('reply').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('reply-form').requestSubmit();
    });
    if (token) void signIn(token);
  });
})();
