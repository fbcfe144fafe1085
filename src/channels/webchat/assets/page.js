// The full-page Web Chat: fetches a token, keeps the conversation in sessionStorage, and resumes it after a reload.
// An anonymous conversation also keeps a resume key in localStorage: a closed tab, opened again in the same browser,
// comes back to the conversation for as long as its ticket is open (the server checks), so IT's answer is not lost.
(function () {
  'use strict';
  var settings = JSON.parse(document.getElementById('hd-settings').textContent);
  var STORAGE_KEY = 'helpdesk.webchat.v1';
  var RESUME_KEY = 'helpdesk.webchat.resume.v1';
  var domain = location.origin + '/v3/directline';
  var status = document.getElementById('status');

  // Credentials handed over by the embed script travel in the fragment (never sent to a server); drop them from the URL.
  // Only inside a frame (whose embedders frame-ancestors limits): a link to /webchat#token=… opened as a page could
  // otherwise make the victim chat in a conversation the sender of the link can read.
  var framed = window.top !== window.self;
  var fragment = new URLSearchParams(location.hash.slice(1));
  var userAssertion = framed ? fragment.get('ua') : null;
  var hostToken = framed ? fragment.get('token') : null;
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);

  function loadSession() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return saved && typeof saved.conversationId === 'string' && typeof saved.token === 'string' ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(session) {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch (e) {
      // Storage may be blocked (private mode, third-party iframe): the chat still works, it just does not survive a reload.
    }
  }

  function loadResume() {
    try {
      var saved = JSON.parse(localStorage.getItem(RESUME_KEY) || 'null');
      return saved && typeof saved.conversationId === 'string' && typeof saved.resumeKey === 'string' ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function saveResume(record) {
    try {
      if (record) localStorage.setItem(RESUME_KEY, JSON.stringify(record));
      else localStorage.removeItem(RESUME_KEY);
    } catch (e) {
      // No localStorage: a closed tab cannot come back, a reload still can (sessionStorage).
    }
  }

  function postJson(url, body, token) {
    var headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(body || {}) }).then(function (res) {
      if (!res.ok) throw new Error(url + ' answered ' + res.status);
      return res.json();
    });
  }

  // A saved conversation is resumed with a refreshed token; an expired one (403) or an ended one (404) starts afresh.
  function resume(saved) {
    return postJson(domain + '/tokens/refresh', {}, saved.token).then(
      function (answer) {
        return { token: answer.token, conversationId: saved.conversationId, resume: true };
      },
      function () {
        return null;
      },
    );
  }

  // A tab closed while a ticket was open: the kept key brings back that conversation (404 once the ticket is closed).
  function reopen(record) {
    return postJson('/api/webchat/resume', { resumeKey: record.resumeKey }).then(
      function (answer) {
        return { token: answer.token, conversationId: answer.conversationId, resume: true };
      },
      function () {
        saveResume(null);
        return null;
      },
    );
  }

  function start() {
    if (hostToken) return Promise.resolve({ token: hostToken, conversationId: null, resume: false });
    return postJson('/api/webchat/token', userAssertion ? { userAssertion: userAssertion } : {}).then(function (answer) {
      saveResume(answer.resumeKey ? { conversationId: answer.conversationId, resumeKey: answer.resumeKey } : null);
      return { token: answer.token, conversationId: answer.conversationId, resume: false };
    });
  }

  var saved = loadSession();
  var kept = hostToken || userAssertion ? null : loadResume();
  (saved ? resume(saved) : Promise.resolve(null))
    .then(function (resumed) {
      return resumed || (kept ? reopen(kept) : null);
    })
    .then(function (resumed) {
      return resumed || start();
    })
    .then(function (session) {
      var options = { domain: domain, token: session.token, conversationStartProperties: { locale: settings.locale } };
      // Resuming: Direct Line reconnects with GET conversations/{id}; with no watermark the whole history is replayed
      // into this fresh page, after which the client carries its own watermark on any later reconnect.
      if (session.resume) options.conversationId = session.conversationId;
      var directLine = window.WebChat.createDirectLine(options);
      // Direct Line JS answers a POST the server refused with 5xx by emitting "retry" instead of failing, and Web Chat
      // then shows "Sending" for 20 s before it gives up. Failing at once lets the employee see it and send again.
      var post = directLine.postActivity.bind(directLine);
      directLine.postActivity = function (activity) {
        return post(activity).map(function (id) {
          if (id === 'retry') throw new Error('the server could not take the message');
          return id;
        });
      };

      function remember() {
        var conversationId = directLine.conversationId || session.conversationId;
        if (conversationId) {
          saveSession({ conversationId: conversationId, token: directLine.token || session.token, watermark: directLine.watermark || '' });
        }
      }
      remember();
      directLine.activity$.subscribe(remember);
      setInterval(remember, 60 * 1000);

      // IT staff speak as themselves: their messages carry channelData.helpdesk.agent (name, initials), drawn here as
      // the avatar and as "alice（IT 担当）" under the bubble instead of the bot's initials.
      var h = window.React.createElement;
      function agentOf(activity) {
        var data = activity && activity.channelData && activity.channelData.helpdesk;
        var agent = data && data.speaker === 'agent' ? data.agent : null;
        return agent && typeof agent.name === 'string' && typeof agent.initials === 'string' ? agent : null;
      }
      function avatarMiddleware() {
        return function (next) {
          return function (args) {
            var agent = !args.fromUser && agentOf(args.activity);
            if (!agent) return next(args);
            return function () {
              return h('div', { className: 'hd-agent-avatar', title: agent.name, 'aria-hidden': 'true' }, agent.initials);
            };
          };
        };
      }
      function activityStatusMiddleware() {
        return function (next) {
          return function (args) {
            var agent = agentOf(args.activity);
            var status = next(args);
            if (!agent) return status;
            return h(
              'span',
              { className: 'hd-agent-status' },
              h('span', { className: 'hd-agent-name' }, settings.text.agentName.replace('{name}', agent.name)),
              status ? h('span', { 'aria-hidden': 'true' }, ' · ') : null,
              status,
            );
          };
        };
      }

      // Web Chat groups messages by role, so an agent's message would sit under the bot's avatar: split the groups
      // where the speaker changes (the bot, or one IT staff member).
      function speakerOf(activity) {
        var agent = agentOf(activity);
        return agent ? 'agent:' + agent.name : (activity.from && activity.from.role) || '';
      }
      function groupActivitiesMiddleware() {
        return function (next) {
          return function (args) {
            var groups = next(args);
            var sender = [];
            (groups.sender || []).forEach(function (group) {
              var run = [];
              group.forEach(function (activity) {
                if (run.length && speakerOf(run[run.length - 1]) !== speakerOf(activity)) {
                  sender.push(run);
                  run = [];
                }
                run.push(activity);
              });
              if (run.length) sender.push(run);
            });
            return Object.assign({}, groups, { sender: sender });
          };
        };
      }

      // A message the server could not take (the service is briefly unavailable, e.g. its database) is marked "send
      // failed" by Web Chat; a notice above the transcript says so in words and goes away once a message gets through.
      // It comes from this page, so it shows whichever server instance the chat's socket is connected to.
      var SEND_FAILED = 'hd-send-failed';
      var store = window.WebChat.createStore({}, function (api) {
        return function (next) {
          return function (action) {
            var result = next(action);
            if (action.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED' || action.type === 'DIRECT_LINE/POST_ACTIVITY_IMPEDED') {
              api.dispatch({ type: 'WEB_CHAT/SET_NOTIFICATION', payload: { id: SEND_FAILED, level: 'error', message: settings.text.sendFailed } });
            } else if (action.type === 'DIRECT_LINE/POST_ACTIVITY_FULFILLED') {
              api.dispatch({ type: 'WEB_CHAT/DISMISS_NOTIFICATION', payload: { id: SEND_FAILED } });
            }
            return result;
          };
        };
      });

      var styleOptions = {
        accent: settings.accent,
        // Japanese-capable fonts first: Web Chat's default stack has no generic fallback, so Japanese can show as boxes.
        primaryFont: '"Segoe UI", "Yu Gothic UI", Meiryo, "Hiragino Sans", "Noto Sans CJK JP", "IPAPGothic", sans-serif',
        botAvatarInitials: 'IT',
        hideUploadButton: true,
        suggestedActionLayout: 'flow',
      };
      if (settings.botAvatarUrl) styleOptions.botAvatarImage = settings.botAvatarUrl;
      window.WebChat.renderWebChat(
        {
          directLine: directLine,
          store: store,
          locale: settings.locale,
          styleOptions: styleOptions,
          avatarMiddleware: avatarMiddleware,
          activityStatusMiddleware: activityStatusMiddleware,
          groupActivitiesMiddleware: groupActivitiesMiddleware,
        },
        document.getElementById('webchat'),
      );
      status.hidden = true;
    })
    .catch(function () {
      status.textContent = settings.text.failed;
    });
})();
