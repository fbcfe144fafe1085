// IT staff console: queue | conversation | ticket facts. Plain DOM; every piece of user or agent text goes in through
// textContent, never as HTML. Every word comes from content/console.yaml (embedded in the page as #console-text).
'use strict';

(() => {
  const TOKEN_KEY = 'helpdesk.agentToken';
  const LANG_KEY = 'helpdesk.console.language';
  const SOUND_KEY = 'helpdesk.console.sound';
  const TEXT = JSON.parse(document.getElementById('console-text').textContent || '{}');
  const $ = (id) => document.getElementById(id);

  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let me = null;
  let lang = chooseLanguage();
  let filter = 'open';
  let tickets = [];
  let currentId = null;
  let current = null;
  let agents = [];
  let canned = [];
  let streamAbort = null;
  let queueTimer = null;
  let searchTimer = null;
  let queueLoading = null;
  let live = false;
  let audio = null;
  const unread = new Set();

  // ---- words ----
  function chooseLanguage() {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === 'ja' || saved === 'en') return saved;
    for (const tag of navigator.languages || [navigator.language || '']) {
      const base = String(tag).toLowerCase().slice(0, 2);
      if (base === 'ja' || base === 'en') return base;
    }
    return 'ja';
  }

  /** The console string `key` in `language` (the console's by default), with {placeholders} filled. */
  function t(key, vars, language) {
    const entry = TEXT[key];
    const template = entry ? entry[language || lang] || entry.ja : key;
    return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name) => (vars && vars[name] !== undefined ? String(vars[name]) : whole));
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = titleText();
    $('language').value = lang;
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
    for (const node of document.querySelectorAll('[data-t-aria-label]')) node.setAttribute('aria-label', t(node.dataset.tAriaLabel));
    renderNotifyButton();
    renderLive();
    renderCannedMenu();
    renderQueue();
    if (current) renderTicket();
    renderComposerMode();
  }

  function titleText() {
    const base = t('documentTitle');
    return unread.size > 0 ? `(${unread.size}) ${base}` : base;
  }

  function setUnread(id, on) {
    if (on) unread.add(id);
    else unread.delete(id);
    document.title = titleText();
  }

  // ---- formatting ----
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
    if (seconds < 60) return t('wait.lessThanMinute');
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return t('wait.minutes', { minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return t('wait.hours', { hours, minutes: minutes % 60 });
    return t('wait.days', { days: Math.floor(hours / 24), hours: hours % 24 });
  }

  function formatTime(iso, withDate) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const locale = lang === 'ja' ? 'ja-JP' : 'en-US';
    const sameDay = new Date().toDateString() === date.toDateString();
    return new Intl.DateTimeFormat(locale, withDate || !sameDay ? { dateStyle: 'short', timeStyle: 'short' } : { timeStyle: 'short' }).format(date);
  }

  function userLabel(ticket, guestNumber) {
    const number = guestNumber !== undefined ? guestNumber : ticket.guestNumber;
    return number ? t('guest', { number }) : ticket.userName;
  }

  function channelText(channelId) {
    const key = `channel.${channelId === 'directline' ? 'webchat' : channelId}`;
    return TEXT[key] ? t(key) : channelId;
  }

  // ---- API ----
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
      signOut(t('signIn.rejected'));
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  // ---- sign-in ----
  function signOut(message) {
    token = '';
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
    clearInterval(queueTimer);
    currentId = null;
    current = null;
    unread.clear();
    document.title = titleText();
    $('console').hidden = true;
    $('signed-in-tools').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      me = await api('GET', '/api/agent/whoami');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) signOut(t('signIn.failed', { reason: err.message }));
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('sign-in').hidden = true;
    $('console').hidden = false;
    $('signed-in-tools').hidden = false;
    $('agent-name').textContent = me.name;
    const [roster, replies] = await Promise.all([api('GET', '/api/agent/agents'), api('GET', '/api/agent/canned-replies')]);
    agents = roster.agents;
    canned = replies.replies;
    renderCannedMenu();
    renderNotifyButton();
    await loadQueue();
    connectStream();
    clearInterval(queueTimer);
    queueTimer = setInterval(() => void loadQueue(), 30000);
  }

  // ---- queue ----
  const FILTERS = {
    mine: (x) => x.status === 'assigned' && x.assignee && me && x.assignee.id === me.id,
    unassigned: (x) => x.status === 'queued',
    open: (x) => x.status === 'queued' || x.status === 'assigned',
    closed: (x) => x.status === 'resolved' || x.status === 'cancelled',
  };

  async function loadQueue() {
    if (!token) return;
    const q = $('search').value.trim();
    const request = api('GET', `/api/agent/tickets${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    queueLoading = request;
    const data = await request;
    if (queueLoading !== request) return; // a newer search answered first
    tickets = data.tickets;
    renderQueue();
  }

  function visibleTickets() {
    return tickets.filter(FILTERS[filter]);
  }

  function renderQueue() {
    for (const button of document.querySelectorAll('.filter')) button.setAttribute('aria-pressed', String(button.dataset.filter === filter));
    for (const name of ['mine', 'unassigned', 'open']) {
      const count = tickets.filter(FILTERS[name]).length;
      document.querySelector(`[data-count="${name}"]`).textContent = count > 0 ? String(count) : '';
    }
    const list = $('queue');
    list.replaceChildren();
    const shown = visibleTickets();
    for (const ticket of shown) list.append(queueItem(ticket));
    $('queue-empty').hidden = shown.length > 0;
  }

  function queueItem(ticket) {
    const item = el('li');
    const button = el('button', null, `ticket${ticket.id === currentId ? ' selected' : ''}`);
    button.type = 'button';
    button.dataset.ticketId = String(ticket.id);
    if (ticket.id === currentId) button.setAttribute('aria-current', 'true');

    const first = el('span', null, 'line');
    first.append(
      el('span', ticket.number, 'number'),
      el('span', t(`status.${ticket.status}`), `badge status-${ticket.status}`),
    );
    if (unread.has(ticket.id)) {
      const dot = el('span', null, 'unread');
      dot.title = t('queue.unread');
      dot.setAttribute('role', 'img');
      dot.setAttribute('aria-label', t('queue.unread'));
      first.append(dot);
    }
    if (ticket.status === 'queued') first.append(el('span', formatDuration(ticket.waitingSeconds), 'wait'));
    else if (ticket.status === 'assigned' && ticket.assignee) first.append(el('span', t('assignedTo', { name: ticket.assignee.name }), 'who side'));

    const second = el('span', null, 'line');
    const error = el('span', ticket.error ? ticket.error.name : t('facts.noError'), 'error-name');
    if (ticket.error) error.title = `${ticket.error.name} (${ticket.error.code} / ${ticket.error.hex})`;
    second.append(error);
    if (ticket.failedChecks.length > 0) {
      const fails = el('span', t('queue.failedChecks', { count: ticket.failedChecks.length }), 'fails');
      fails.title = ticket.failedChecks.join('\n');
      second.append(fails);
    }
    const third = el('span', `${userLabel(ticket)} · ${channelText(ticket.channelId)}`, 'line who');
    third.title = third.textContent;
    button.append(first, second, third);
    button.addEventListener('click', () => void openTicket(ticket.id));
    item.append(button);
    return item;
  }

  function moveSelection(step) {
    const shown = visibleTickets();
    if (shown.length === 0) return;
    const index = shown.findIndex((x) => x.id === currentId);
    const next = index < 0 ? shown[0] : shown[Math.min(shown.length - 1, Math.max(0, index + step))];
    if (next && next.id !== currentId) void openTicket(next.id);
    requestAnimationFrame(() => {
      const row = document.querySelector(`.ticket[data-ticket-id="${next.id}"]`);
      if (row) row.scrollIntoView({ block: 'nearest' });
    });
  }

  // ---- one ticket ----
  async function openTicket(id) {
    if (id !== currentId) {
      $('transfer-form').hidden = true;
      $('resolve-form').hidden = true;
      $('ticket-error').textContent = '';
    }
    currentId = id;
    setUnread(id, false);
    try {
      current = await api('GET', `/api/agent/tickets/${id}`);
    } catch (err) {
      if (err.status !== 401) $('ticket-error').textContent = t('error.generic', { reason: err.message });
      return;
    }
    if (current.ticket.id !== currentId) return;
    renderTicket();
    renderQueue();
  }

  function mine(ticket) {
    return ticket.status === 'assigned' && ticket.assignee && me && ticket.assignee.id === me.id;
  }

  function renderTicket() {
    const { ticket, events, messages } = current;
    const label = userLabel(ticket, current.guestNumber);
    $('conversation-title').textContent = `${ticket.number} · ${label}`;
    $('no-ticket').hidden = true;
    $('transcript').hidden = false;
    $('composer').hidden = false;
    $('actions').hidden = false;
    $('facts').hidden = false;

    // Conversation: the transcript with internal notes in between, in time order.
    const timeline = messages.map((m) => ({ kind: 'message', at: m.at, entry: m }));
    for (const event of events) if (event.type === 'ticket.note') timeline.push({ kind: 'note', at: event.at, entry: event });
    timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const transcript = $('transcript');
    const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
    transcript.replaceChildren();
    for (const item of timeline) transcript.append(item.kind === 'note' ? noteItem(item.entry) : messageItem(item.entry, label));
    if (timeline.length === 0) transcript.append(el('li', t('conversation.empty'), 'muted'));
    if (atBottom || transcript.dataset.ticket !== String(ticket.id)) transcript.scrollTop = transcript.scrollHeight;
    transcript.dataset.ticket = String(ticket.id);

    // Actions by state.
    const isMine = mine(ticket);
    const open = ticket.status === 'queued' || ticket.status === 'assigned';
    $('claim').hidden = ticket.status !== 'queued';
    $('transfer').hidden = !(isMine || ticket.status === 'queued');
    $('release').hidden = !isMine;
    $('resolve').hidden = !(isMine || ticket.status === 'queued');
    $('reopen').hidden = open;
    if (!open || !(isMine || ticket.status === 'queued')) {
      $('transfer-form').hidden = true;
      $('resolve-form').hidden = true;
    }
    renderComposerMode();
    renderFacts(label);
  }

  function messageItem(entry, label) {
    const item = el('li', null, `msg role-${entry.role}`);
    const author = entry.role === 'bot' ? t('bot') : entry.role === 'user' ? label : entry.author;
    const meta = el('div', null, 'meta');
    meta.append(el('span', author, 'author'), el('time', formatTime(entry.at), 'time'));
    item.append(meta, el('p', entry.text, 'text'));
    return item;
  }

  function noteItem(event) {
    const item = el('li', null, 'msg note');
    const meta = el('div', null, 'meta');
    meta.append(el('span', t('note.badge'), 'tag'), el('span', event.actor.name, 'author'), el('time', formatTime(event.at), 'time'), el('span', t('note.hidden')));
    item.append(meta, el('p', event.text || '', 'text'));
    return item;
  }

  function renderFacts(label) {
    const { ticket, events, resolution } = current;
    const facts = $('ticket-facts');
    facts.replaceChildren();
    // Long values (the employee's words, the resolution note) take the whole width under their label.
    const fact = (key, value, wide) => {
      const dd = el('dd', null, wide ? 'wide' : undefined);
      if (value instanceof Node) dd.append(value);
      else dd.textContent = value;
      facts.append(el('dt', t(key), wide ? 'wide' : undefined), dd);
    };
    fact('facts.user', ticket.userEmail ? `${label} <${ticket.userEmail}>` : label);
    fact('facts.channel', channelText(ticket.channelId));
    if (ticket.error) {
      const box = document.createElement('div');
      box.append(el('div', ticket.error.name, 'code'), el('div', t('facts.errorCode', { code: ticket.error.code, hex: ticket.error.hex }), 'code'));
      fact('facts.error', box, true);
    } else {
      fact('facts.error', t('facts.noError'));
    }
    if (current.topic) fact('facts.topic', current.topic, true);
    fact('facts.reason', t(`reason.${ticket.reason}`), true);
    const waited = ticket.assignedAt
      ? formatDuration((Date.parse(ticket.assignedAt) - Date.parse(ticket.queuedAt)) / 1000)
      : ticket.status === 'queued'
        ? t('facts.waitingNow', { wait: formatDuration((Date.now() - Date.parse(ticket.queuedAt)) / 1000) })
        : '';
    if (waited) fact('facts.waited', waited);
    fact('facts.assignee', ticket.assignee ? ticket.assignee.name : t('facts.nobody'));
    fact('facts.created', formatTime(ticket.createdAt, true));
    fact('facts.language', t(`language.${ticket.locale === 'en' ? 'en' : 'ja'}`));
    if (current.description) fact('facts.description', current.description, true);
    if (resolution.note) fact('facts.resolution', resolution.note, true);
    if (resolution.solved !== null) fact('facts.solved', t(resolution.solved ? 'facts.solvedYes' : 'facts.solvedNo'));
    if (resolution.rating !== null) fact('facts.rating', t('facts.ratingValue', { rating: resolution.rating }));

    const checks = $('checks');
    checks.replaceChildren();
    for (const check of ticket.checks) {
      const item = el('li', null, `outcome-${check.outcome}`);
      item.append(el('span', t(`outcome.${check.outcome}`), 'outcome'), el('span', check.title));
      checks.append(item);
    }
    if (ticket.checks.length === 0) checks.append(el('li', t('facts.noChecks'), 'muted'));

    $('next-steps-block').hidden = current.nextSteps.length === 0;
    const steps = $('next-steps');
    steps.replaceChildren();
    for (const step of current.nextSteps) {
      const item = el('li', step.title);
      item.append(el('span', step.instruction, 'instruction'));
      steps.append(item);
    }

    const history = $('events');
    history.replaceChildren();
    for (const event of events) {
      if (event.type === 'ticket.message') continue; // the conversation shows these
      const kind = event.type.replace('ticket.', '');
      const actor = event.actor.kind === 'user' ? label : event.actor.name;
      const item = el('li');
      item.append(el('time', formatTime(event.at, true)), document.createTextNode(t(`event.${kind}`, { actor, to: event.text || '' })));
      history.append(item);
    }
  }

  // ---- composer: reply or internal note, canned replies ----
  function mode() {
    const checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : 'reply';
  }

  function renderComposerMode() {
    if (!current) return;
    const note = mode() === 'note';
    const canReply = mine(current.ticket);
    const label = userLabel(current.ticket, current.guestNumber);
    $('composer').classList.toggle('note-mode', note);
    $('reply-label').textContent = t(note ? 'composer.noteLabel' : 'composer.replyLabel');
    $('reply').placeholder = note ? t('composer.notePlaceholder') : t('composer.replyPlaceholder', { user: label });
    $('send').textContent = t(note ? 'composer.addNote' : 'composer.send');
    const { ticket } = current;
    const closed = ticket.status === 'resolved' || ticket.status === 'cancelled';
    $('take-first').textContent = closed
      ? t('composer.reopenFirst')
      : ticket.status === 'assigned' && ticket.assignee
        ? t('composer.othersTicket', { name: ticket.assignee.name })
        : t('composer.takeFirst');
    $('take-first').hidden = note || canReply;
    $('reply').disabled = !note && !canReply;
    $('send').disabled = !note && !canReply;
    $('canned').disabled = note || !canReply;
  }

  function renderCannedMenu() {
    const select = $('canned');
    select.replaceChildren(el('option', t('canned.choose')));
    select.firstChild.value = '';
    for (const reply of canned) {
      const option = el('option', reply.title[lang]);
      option.value = reply.id;
      select.append(option);
    }
  }

  /** A canned reply in the ticket's language, its placeholders filled. */
  function cannedText(id) {
    const reply = canned.find((r) => r.id === id);
    if (!reply || !current) return '';
    const { ticket } = current;
    const ticketLang = ticket.locale === 'en' ? 'en' : 'ja';
    const user = current.guestNumber ? t('canned.anonymousUser', null, ticketLang) : t('canned.user', { name: ticket.userName }, ticketLang);
    const values = { user, ticket: ticket.number, agent: me ? me.name : '', error: ticket.error ? ticket.error.name : t('canned.noError', null, ticketLang) };
    return reply.text[ticketLang].replace(/\{([a-zA-Z]+)\}/g, (whole, name) => (values[name] !== undefined ? values[name] : whole));
  }

  async function submitComposer() {
    if (!current) return;
    const text = $('reply').value.trim();
    if (!text) return;
    const id = current.ticket.id;
    const note = mode() === 'note';
    const ok = await act('POST', `/api/agent/tickets/${id}/${note ? 'notes' : 'messages'}`, { text });
    if (ok) $('reply').value = '';
    $('reply').focus();
  }

  async function act(method, path, body) {
    $('ticket-error').textContent = '';
    let ok = true;
    try {
      await api(method, path, body);
    } catch (err) {
      ok = false;
      if (err.status === 409) $('ticket-error').textContent = t('error.conflict');
      else if (err.status !== 401) $('ticket-error').textContent = t('error.generic', { reason: err.message });
    }
    if (currentId !== null) await openTicket(currentId);
    await loadQueue();
    return ok;
  }

  // ---- notifications, sound, unread ----
  function renderNotifyButton() {
    const button = $('notify');
    if (!('Notification' in window)) {
      button.hidden = true;
      return;
    }
    const permission = Notification.permission;
    button.textContent = t(permission === 'granted' ? 'notify.on' : permission === 'denied' ? 'notify.blocked' : 'notify.enable');
    button.setAttribute('aria-pressed', String(permission === 'granted'));
    button.disabled = permission !== 'default';
  }

  function away() {
    return document.hidden || !document.hasFocus();
  }

  function beep() {
    if (!$('sound').checked) return;
    try {
      audio = audio || new AudioContext();
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.4);
    } catch {
      // No audio device: the notification and the title still tell.
    }
  }

  function notify(title, body, ticketId) {
    beep();
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const notification = new Notification(title, { body, tag: `ticket-${ticketId}`, lang });
    notification.onclick = () => {
      window.focus();
      void openTicket(ticketId);
      notification.close();
    };
  }

  function onTicketEvent(event, summary) {
    const fromEmployee = event.actor && event.actor.kind === 'user';
    const forMe = summary && summary.assignee && me && summary.assignee.id === me.id;
    if (event.type === 'ticket.created' || (event.type === 'ticket.reopened' && fromEmployee)) {
      if (event.ticketId !== currentId || away()) setUnread(event.ticketId, true);
      if (away()) {
        const error = summary && summary.error ? summary.error.name : t('facts.noError');
        notify(t('notify.newTicket', { ticket: event.ticketNumber }), `${summary ? userLabel(summary) : ''} · ${error}`, event.ticketId);
      }
    } else if (event.type === 'ticket.transferred' && forMe) {
      // Someone handed a ticket to me.
      if (event.ticketId !== currentId || away()) setUnread(event.ticketId, true);
      if (away()) notify(t('notify.transferred', { ticket: event.ticketNumber, actor: event.actor.name }), summary ? userLabel(summary) : '', event.ticketId);
    } else if (event.type === 'ticket.message' && fromEmployee && forMe) {
      if (event.ticketId !== currentId || away()) setUnread(event.ticketId, true);
      if (away()) notify(t('notify.newMessage', { user: summary ? userLabel(summary) : '', ticket: event.ticketNumber }), event.text || '', event.ticketId);
    }
  }

  // ---- live updates (Server-Sent Events read with fetch, so the token travels in a header) ----
  function renderLive() {
    $('live').classList.toggle('on', live);
    $('live-text').textContent = t(live ? 'live.on' : 'live.off');
  }

  function connectStream() {
    if (streamAbort) streamAbort.abort();
    const controller = new AbortController();
    streamAbort = controller;
    const setLive = (on) => {
      live = on;
      renderLive();
    };
    const run = async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        try {
          const res = await fetch('/api/agent/stream', { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
          if (res.status === 401) return signOut(t('signIn.rejected'));
          if (!res.ok || !res.body) throw new Error(`stream HTTP ${res.status}`);
          delay = 1000;
          // Catch up on anything missed while disconnected.
          await loadQueue();
          if (currentId !== null) await openTicket(currentId);
          setLive(true);
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
        } catch {
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
    if (payload.event) onTicketEvent(payload.event, payload.ticket);
    void loadQueue();
    if (payload.event && payload.event.ticketId === currentId) void openTicket(currentId);
  }

  // ---- wiring ----
  function typing(target) {
    return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  }

  document.addEventListener('DOMContentLoaded', () => {
    applyLanguage();
    $('sound').checked = localStorage.getItem(SOUND_KEY) === 'on';
    $('language').addEventListener('change', () => {
      lang = $('language').value === 'en' ? 'en' : 'ja';
      localStorage.setItem(LANG_KEY, lang);
      applyLanguage();
    });
    $('sound').addEventListener('change', () => {
      localStorage.setItem(SOUND_KEY, $('sound').checked ? 'on' : 'off');
      if ($('sound').checked) {
        audio = audio || new AudioContext();
        void audio.resume();
      }
    });
    $('notify').addEventListener('click', async () => {
      if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
      renderNotifyButton();
    });
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      $('token').value = '';
      if (value) void signIn(value);
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    for (const button of document.querySelectorAll('.filter')) {
      button.addEventListener('click', () => {
        filter = button.dataset.filter;
        renderQueue();
      });
    }
    $('search').addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => void loadQueue(), 250);
    });
    $('claim').addEventListener('click', () => void act('POST', `/api/agent/tickets/${currentId}/claim`));
    $('release').addEventListener('click', () => void act('POST', `/api/agent/tickets/${currentId}/release`));
    $('reopen').addEventListener('click', () => void act('POST', `/api/agent/tickets/${currentId}/reopen`));
    $('transfer').addEventListener('click', () => {
      const select = $('transfer-to');
      select.replaceChildren(el('option', t('transfer.choose')));
      select.firstChild.value = '';
      for (const agent of agents) {
        if (me && agent.id === me.id) continue;
        if (current && current.ticket.assignee && current.ticket.assignee.id === agent.id) continue;
        const option = el('option', agent.name);
        option.value = agent.id;
        select.append(option);
      }
      $('resolve-form').hidden = true;
      $('transfer-form').hidden = false;
      if (select.options.length === 1) $('ticket-error').textContent = t('transfer.nobody');
      select.focus();
    });
    $('transfer-cancel').addEventListener('click', () => ($('transfer-form').hidden = true));
    $('transfer-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const to = $('transfer-to').value;
      if (!to) return;
      $('transfer-form').hidden = true;
      void act('POST', `/api/agent/tickets/${currentId}/transfer`, { to });
    });
    $('resolve').addEventListener('click', () => {
      $('transfer-form').hidden = true;
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
    for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', renderComposerMode);
    $('canned').addEventListener('change', () => {
      const text = cannedText($('canned').value);
      $('canned').value = '';
      if (!text) return;
      const box = $('reply');
      box.value = box.value.trim() ? `${box.value.trimEnd()}\n${text}` : text;
      box.focus();
    });
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      void submitComposer();
    });
    $('reply').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void submitComposer();
      }
    });
    document.addEventListener('keydown', (event) => {
      if (!me || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === 'j' || event.key === 'J') moveSelection(1);
      else if (event.key === 'k' || event.key === 'K') moveSelection(-1);
      else if (event.key === '/') {
        event.preventDefault();
        $('search').focus();
      } else return;
      event.preventDefault();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && currentId !== null) setUnread(currentId, false);
    });
    window.addEventListener('focus', () => {
      if (currentId !== null) setUnread(currentId, false);
    });
    if (token) void signIn(token);
  });
})();
