// The chat page: Web Chat talking to the product's own Direct Line endpoint (no cloud service).
(function () {
  'use strict';
  var KEY = 'hotline12345.conversation';
  var statusEl = document.getElementById('status');

  function showStatus(text) {
    statusEl.textContent = text;
    statusEl.hidden = !text;
  }

  function post(url, token) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(url, { method: 'POST', headers: headers, body: '{}' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  // Same tab, same conversation: a reload resumes it while its token can still be refreshed.
  function session() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { saved = null; }
    var fresh = function () { return post('api/chat/token'); };
    var start = saved
      ? post('v3/directline/tokens/refresh', saved.token).then(function (r) {
          return { token: r.token, conversationId: r.conversationId, userId: saved.userId, resumed: true };
        }, fresh)
      : fresh();
    return start.then(function (s) {
      sessionStorage.setItem(KEY, JSON.stringify({ token: s.token, conversationId: s.conversationId, userId: s.userId }));
      return s;
    });
  }

  function render(s) {
    var domain = new URL('v3/directline', document.baseURI).href;
    var directLine = window.WebChat.createDirectLine({
      token: s.token,
      domain: domain,
      webSocket: false,
      pollingInterval: 1000,
      conversationId: s.resumed ? s.conversationId : undefined
    });
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        userID: s.userId,
        locale: 'zh-CN',
        styleOptions: {
          botAvatarInitials: '12345',
          userAvatarInitials: '我',
          hideUploadButton: true,
          primaryFont: '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif',
          bubbleMaxWidth: 640,
          suggestedActionLayout: 'flow'
        }
      },
      document.getElementById('webchat')
    );
    document.querySelector('#webchat').focus();
  }

  document.getElementById('restart').addEventListener('click', function () {
    sessionStorage.removeItem(KEY);
    location.reload();
  });

  if (!window.WebChat) {
    showStatus('聊天组件加载失败，请刷新页面重试。');
    return;
  }
  session().then(render, function () {
    showStatus('暂时无法连接热线服务，请稍后刷新页面重试。如遇紧急情况请直接拨打 110、119、120、122。');
  });
})();
