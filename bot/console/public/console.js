// The agents' console: a small page over the documented API (/api/console/openapi.json).
// Everything shown is built with textContent, never innerHTML, so citizens' words cannot inject markup.
(() => {
  'use strict';
  const API = '/api/console';
  const $ = (id) => document.getElementById(id);
  const state = { session: null, catalogue: [], names: {}, tab: null, selected: null, events: null, reloadTimer: null };

  const ROLE_NAMES = { agent: '承办人', dispatcher: '派单员', supervisor: '督办员', admin: '管理员', liaison: '首席服务员' };
  const TYPE_TAGS = { 举报: '举报', 投诉: '投诉', 咨询: '咨询', 求助: '求助', 建议: '建议', 表扬: '表扬' };
  const TABS = {
    agent: [['queue', '待办工单'], ['done', '已办工单'], ['notifications', '通知'], ['ledger', '企业诉求台账'], ['knowledge', '知识库']],
    dispatcher: [['queue', '派单队列'], ['extensions', '延期审批'], ['all', '全部工单'], ['measures', '统计分析'], ['hotspots', '热点预警'], ['ledger', '企业诉求台账'], ['reports', '报表'], ['knowledge', '知识库']],
    supervisor: [['overdue', '超期与督办'], ['measures', '统计分析'], ['hotspots', '热点预警'], ['all', '全部工单'], ['notifications', '督办通知'], ['ledger', '企业诉求台账'], ['reports', '报表'], ['knowledge', '知识库']],
    admin: [['all', '全部工单'], ['overdue', '超期与督办'], ['measures', '统计分析'], ['hotspots', '热点预警'], ['ledger', '企业诉求台账'], ['reports', '报表'], ['accounts', '账号管理'], ['audit', '审计日志'], ['catalogue', '派单目录'], ['limits', '办理时限'], ['knowledge', '知识库'], ['open311', '开放接口'], ['board', '队列看板']],
    liaison: [['queue', '在办企业诉求'], ['all', '全部企业诉求'], ['ledger', '企业诉求台账']],
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrfToken;
    const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 204) return null;
    const data = await res.json().catch(() => ({ code: 'bad-response', message: '服务暂时不可用，请稍后再试。' }));
    if (!res.ok) {
      if (res.status === 401 && path !== '/session') showLogin('登录已过期，请重新登录。');
      throw new ApiError(res.status, data.code, data.message || '操作失败，请稍后再试。');
    }
    return data;
  }

  function notice(text) {
    $('notice').textContent = text;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => ($('notice').textContent = ''), 8000);
  }

  const unitName = (code) => (code === 'dispatch-centre' ? '12345中心派单组' : (state.catalogue.find((d) => d.code === code) || {}).name || code);

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  }

  function fmtLeft(due) {
    if (due.workingMinutesLeft === null || due.workingMinutesLeft === undefined) return '—';
    const m = Math.abs(due.workingMinutesLeft);
    const text = m >= 60 ? `${Math.floor(m / 60)}小时${m % 60 ? (m % 60) + '分' : ''}` : `${m}分钟`;
    const what = due.kind === 'ack' ? '签收' : '答复';
    if (due.light === 'paused') return `挂起中（${what}剩 ${text}）`;
    return due.workingMinutesLeft < 0 ? `${what}已超期 ${text}` : `${what}剩 ${text}`;
  }

  const LIGHT_NAMES = { green: '正常', yellow: '黄灯：即将到期', red: '红灯：已超期', paused: '挂起', done: '无待办期限' };
  const light = (due) => el('span', { class: 'light ' + due.light, title: LIGHT_NAMES[due.light], 'aria-label': LIGHT_NAMES[due.light] });

  // ---- login ----

  function showLogin(message) {
    state.session = null;
    if (state.events) state.events.close();
    $('who').hidden = true;
    $('app-view').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = message || '';
    $('login-username').focus();
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    $('login-submit').disabled = true;
    try {
      state.session = await api('POST', '/session', { username: $('login-username').value, password: $('login-password').value });
      $('login-password').value = '';
      await start();
    } catch (err) {
      $('login-error').textContent = err.message;
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('btn-logout').addEventListener('click', async () => {
    try { await api('DELETE', '/session'); } catch { /* already gone */ }
    showLogin('您已退出登录。');
  });

  $('btn-password').addEventListener('click', () => { $('password-error').textContent = ''; $('password-dialog').showModal(); });
  $('password-cancel').addEventListener('click', () => $('password-dialog').close());
  $('password-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api('POST', '/session/password', { currentPassword: f.currentPassword.value, newPassword: f.newPassword.value });
      f.reset();
      $('password-dialog').close();
      state.session.account.mustChangePassword = false;
      notice('密码已修改。');
    } catch (err) {
      $('password-error').textContent = err.message;
    }
  });

  async function start() {
    const a = state.session.account;
    const cat = await api('GET', '/catalogue');
    state.catalogue = cat.departments;
    $('unit-filter').replaceChildren(el('option', { value: '' }, '全部单位'), ...cat.departments.map((d) => el('option', { value: d.code }, d.name)));
    $('who-name').textContent = `${a.displayName}（${ROLE_NAMES[a.role]}${a.department ? ' · ' + unitName(a.department) : ''}）`;
    $('who').hidden = false;
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    renderTabs();
    selectTab(TABS[a.role][0][0]);
    connectEvents();
    if (a.mustChangePassword) { notice('请先修改初始密码。'); $('password-dialog').showModal(); }
  }

  // ---- tabs and lists ----

  function renderTabs() {
    const nav = $('tabs');
    nav.replaceChildren(...TABS[state.session.account.role].map(([key, label]) =>
      el('button', { type: 'button', role: 'tab', 'data-tab': key, onclick: () => selectTab(key) }, label)));
  }

  function selectTab(key) {
    if (key === 'board') { window.open('/console/queues', '_blank', 'noopener'); return; }
    state.tab = key;
    for (const b of $('tabs').children) b.setAttribute('aria-selected', String(b.dataset.tab === key));
    const adminTab = ['accounts', 'audit', 'catalogue', 'limits', 'notifications', 'knowledge', 'open311', 'ledger', 'measures', 'hotspots', 'reports'].includes(key);
    $('list-pane').hidden = adminTab;
    $('admin-pane').hidden = !adminTab;
    $('panes').classList.toggle('wide', adminTab);
    if (adminTab) { $('detail-pane').hidden = true; return void renderAdmin(key); }
    return loadList();
  }

  async function loadList() {
    const view = state.tab;
    const label = (TABS[state.session.account.role].find(([k]) => k === view) || [])[1] || '';
    $('list-title').textContent = label;
    // Centre roles can narrow a list to one unit; the overdue view also counts its tickets per unit.
    const centre = state.session.account.role !== 'agent' && ['overdue', 'all'].includes(view);
    $('unit-filter-label').hidden = !centre;
    const unit = centre ? $('unit-filter').value : '';
    try {
      const data = await api('GET', '/tickets?view=' + encodeURIComponent(view) + (unit ? '&department=' + encodeURIComponent(unit) : ''));
      if (state.tab !== view) return;
      $('list-count').textContent = `（共 ${data.total} 件）`;
      const counts = {};
      for (const t of data.items) { const k = t.lead ? t.lead.name : '待派单'; counts[k] = (counts[k] || 0) + 1; }
      $('unit-counts').hidden = view !== 'overdue' || !data.items.length;
      $('unit-counts').textContent = '按单位：' + Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n} 件`).join('；');
      $('ticket-rows').replaceChildren(...data.items.map(row));
      $('list-empty').hidden = data.items.length > 0;
      if (state.selected && !data.items.some((t) => t.id === state.selected)) { /* keep the detail open: it may be finished */ }
    } catch (err) {
      notice(err.message);
    }
  }

  function row(t) {
    const tags = [
      t.urgent && el('span', { class: 'tag urgent' }, '紧急'),
      t.enterprise && el('span', { class: 'tag enterprise' }, '企业'),
      t.escalated && el('span', { class: 'tag escalated' }, '督办'),
      t.pendingExtension && el('span', { class: 'tag' }, '延期待批'),
    ];
    return el('tr', { 'data-id': t.id, class: t.id === state.selected ? 'selected' : '', onclick: () => openTicket(t.id) },
      el('td', {}, light(t.due)),
      el('td', {}, t.id),
      el('td', {}, TYPE_TAGS[t.type] || t.type),
      el('td', {}, tags, t.summary),
      el('td', {}, t.lead ? t.lead.name : '待派单'),
      el('td', {}, t.stateName),
      el('td', {}, fmtLeft(t.due)));
  }

  // ---- live updates ----

  function connectEvents() {
    if (state.events) state.events.close();
    const es = new EventSource(API + '/events');
    es.addEventListener('ticket', (e) => {
      const change = JSON.parse(e.data);
      if (['dispatched', 'dispatched-manually', 'redispatched', 'returned', 'reopened'].includes(change.action)) notice(`工单 ${change.ticketId} 有新动态，队列已更新。`);
      scheduleReload(change.ticketId);
    });
    // After a reconnect the list is reloaded, in case a change was missed meanwhile.
    es.addEventListener('open', () => scheduleReload(null));
    state.events = es;
  }

  function scheduleReload(ticketId) {
    clearTimeout(state.reloadTimer);
    state.reloadTimer = setTimeout(() => {
      if (!$('list-pane').hidden) loadList();
      if (ticketId && ticketId === state.selected) openTicket(ticketId, true);
    }, 300);
  }

  // ---- ticket detail and actions ----

  async function openTicket(id, quiet) {
    state.selected = id;
    for (const tr of $('ticket-rows').children) tr.classList.toggle('selected', tr.dataset.id === id);
    try {
      const t = await api('GET', '/tickets/' + id);
      // A live update about the version already shown (the agent's own action) changes nothing on screen.
      if (quiet && state.shown && state.shown.id === t.id && state.shown.version === t.version) return;
      renderDetail(t);
    } catch (err) {
      if (!quiet) notice(err.message);
    }
  }

  function section(title, ...children) {
    return el('section', { class: 'card' }, el('h3', {}, title), ...children);
  }

  function renderDetail(t) {
    const pane = $('detail-pane');
    // What the agent is typing into the same ticket's forms survives a re-render (another person's change).
    const typed = state.shown && state.shown.id === t.id ? [...pane.querySelectorAll('form[data-action] textarea, form[data-action] input[type=text]')]
      .filter((f) => f.value).map((f) => [f.closest('form').dataset.action, f.name, f.value]) : [];
    state.shown = { id: t.id, version: t.version };
    pane.hidden = false;
    const phone = el('span', { id: 'citizen-phone' }, t.citizen.hidden ? '举报人信息保密' : t.citizen.anonymous ? '匿名' : t.citizen.phone || '—');
    const reveal = !t.citizen.hidden && !t.citizen.anonymous && t.citizen.phone
      ? el('button', { type: 'button', class: 'link', onclick: async () => {
          try { const r = await api('POST', `/tickets/${t.id}/reveal-contact`); phone.textContent = r.phone; } catch (err) { notice(err.message); }
        } }, '查看完整号码（将记入审计）')
      : null;
    pane.replaceChildren(...[
      el('div', { class: 'card' },
        el('h2', {}, `工单 ${t.id}`, ' ', light(t.due), ' ', t.stateName),
        el('dl', {},
          el('dt', {}, '类型'), el('dd', {}, t.type, t.urgent ? '（紧急）' : '', t.enterprise ? '（企业诉求）' : ''),
          t.enterpriseInfo ? [el('dt', {}, '企业'), el('dd', {}, `${t.enterpriseInfo.name}（${t.enterpriseInfo.creditCode}）· ${t.enterpriseInfo.category}`)] : null,
          t.citizen.name ? [el('dt', {}, '联系人'), el('dd', {}, t.citizen.name)] : null,
          t.channel === 'open311' ? [el('dt', {}, '来源'), el('dd', {}, '开放接口（Open311）')] : null,
          el('dt', {}, '受理时间'), el('dd', {}, fmtTime(t.receivedAt)),
          el('dt', {}, '地点'), el('dd', {}, t.location || '—'),
          el('dt', {}, '联系电话'), el('dd', {}, phone, ' ', reveal),
          el('dt', {}, '期限'), el('dd', {}, t.due.at ? `${fmtTime(t.due.at)}（${fmtLeft(t.due)}）` : '—'),
          t.mergedInto ? [el('dt', {}, '已并入'), el('dd', {}, t.mergedInto)] : null,
          t.mergedFrom ? [el('dt', {}, '并入的工单'), el('dd', {}, t.mergedFrom.join('、'))] : null),
        el('h3', {}, '市民诉求'),
        el('div', { class: 'words', id: 'ticket-words' }, t.description)),
      t.candidates.length ? section('智能分派候选', el('ol', {}, t.candidates.map((c) => el('li', {}, `${c.name}（${Math.round(c.confidence * 100)}%）`)))) : null,
      t.assignments.length ? section('承办单位', el('ul', {}, t.assignments.map((a) =>
        el('li', {}, light(a.due), ' ', a.name, a.role === 'lead' ? '（主办）' : '（协办）', ` ${assignmentState(a.state)}，签收期限 ${fmtTime(a.deadlines.ack)}，答复期限 ${fmtTime(a.deadlines.reply)}`, a.deadlines.provisional ? '（暂按周一至周五计算）' : '')))) : null,
      t.replies.length ? section('答复', el('ul', {}, t.replies.map((r) => el('li', {}, el('strong', {}, r.name, r.toCitizen ? '（答复市民）' : '（协办意见）'), ` ${fmtTime(r.at)} ${r.by}：`, el('div', { class: 'words' }, r.text), proposeButton(t, r))))) : null,
      t.extensions.length ? section('延期申请', el('ul', {}, t.extensions.map((x) => el('li', {}, `${unitName(x.department)} 申请延期至 ${x.until.slice(0, 10)}：${x.reason}（${{ pending: '待审批', approved: '已同意', refused: '未同意' }[x.status]}${x.decisionReason ? '，' + x.decisionReason : ''}）`)))) : null,
      actionsFor(t),
      section('办理记录', el('ol', { class: 'history' }, t.history.map((h) =>
        el('li', {}, `${fmtTime(h.at)} ${h.by} — ${h.actionName}`, h.detail ? `（${h.detail}）` : '', h.reason ? `：${h.reason}` : '')))),
    ].filter(Boolean));
    for (const [action, name, value] of typed) {
      const field = pane.querySelector(`form[data-action="${action}"] [name="${name}"]`);
      if (field && !field.value) field.value = value;
    }
    if (!typed.length) pane.scrollTop = 0;
  }

  function assignmentState(s) {
    return { dispatched: '待签收', acknowledged: '已签收', 'in-progress': '办理中', replied: '已答复', returned: '已退单', withdrawn: '已撤回' }[s] || s;
  }

  function unitSelect(name, { optional, exclude } = {}) {
    return el('select', { name }, optional ? el('option', { value: '' }, '（不填）') : null,
      state.catalogue.filter((d) => d.code !== exclude).map((d) => el('option', { value: d.code }, d.name)));
  }

  function actionForm(t, action, title, fields, build) {
    const error = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { 'data-action': action },
      el('h4', {}, title), ...fields, error, el('button', { type: 'submit' }, title));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        const body = { ...build(form), expectedVersion: t.version };
        const after = await api('POST', `/tickets/${t.id}/${action}`, body);
        notice(`工单 ${t.id}：${title}成功。`);
        // Done: what was typed into this form is not carried into the re-rendered ticket.
        form.reset();
        if (after && after.history) renderDetail(after); else $('detail-pane').hidden = true;
        loadList();
      } catch (err) {
        error.textContent = err.message;
        if (err.code === 'conflict') openTicket(t.id, true);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  function actionsFor(t) {
    const forms = [];
    const can = new Set(t.allowed);
    const v = (f, n) => f.elements[n].value.trim();
    if (can.has('acknowledge')) forms.push(actionForm(t, 'acknowledge', '签收', [], () => ({})));
    if (can.has('start')) forms.push(actionForm(t, 'start', '开始办理', [], () => ({})));
    if (can.has('reply')) forms.push(actionForm(t, 'reply', '回复', [el('label', {}, '答复内容（将发送给市民）', el('textarea', { name: 'text', maxlength: 4000, required: true }))], (f) => ({ text: v(f, 'text') })));
    if (can.has('request-extension')) forms.push(actionForm(t, 'request-extension', '申请延期', [
      el('label', {}, '申请延期至', el('input', { name: 'until', type: 'date', required: true })),
      el('label', {}, '延期理由', el('textarea', { name: 'reason', maxlength: 500, required: true }))], (f) => ({ until: v(f, 'until'), reason: v(f, 'reason') })));
    if (can.has('return')) forms.push(actionForm(t, 'return', '退单', [
      el('label', {}, '退单理由', el('textarea', { name: 'reason', maxlength: 500, required: true, placeholder: '例如：不属于本单位职责范围' })),
      el('label', {}, '建议承办单位', unitSelect('suggested', { optional: true, exclude: state.session.account.department }))], (f) => ({ reason: v(f, 'reason'), ...(v(f, 'suggested') ? { suggested: v(f, 'suggested') } : {}) })));
    if (can.has('dispatch')) {
      const supports = el('select', { name: 'supports', multiple: true, size: 4 }, state.catalogue.map((d) => el('option', { value: d.code }, d.name)));
      const lead = unitSelect('lead');
      if (t.candidates[0]) lead.value = t.candidates[0].department;
      forms.push(actionForm(t, 'dispatch', t.lead ? '改派' : '派单', [
        el('label', {}, '主办单位', lead),
        el('label', {}, '协办单位（可多选）', supports),
        el('label', {}, '派单说明', el('input', { name: 'reason', maxlength: 500 }))],
        (f) => ({ lead: v(f, 'lead'), supports: [...f.elements.supports.selectedOptions].map((o) => o.value), ...(v(f, 'reason') ? { reason: v(f, 'reason') } : {}) })));
    }
    if (can.has('decide-extension')) {
      forms.push(actionForm(t, 'decide-extension', '审批延期', [
        el('label', {}, '审批结果', el('select', { name: 'approve' }, el('option', { value: 'true' }, '同意'), el('option', { value: 'false' }, '不同意'))),
        el('label', {}, '审批意见', el('input', { name: 'reason', maxlength: 500 }))], (f) => ({ approve: v(f, 'approve') === 'true', ...(v(f, 'reason') ? { reason: v(f, 'reason') } : {}) })));
    }
    if (can.has('wait')) forms.push(actionForm(t, 'wait', '挂起', [el('label', {}, '挂起原因（等待市民补充材料等）', el('input', { name: 'reason', maxlength: 500, required: true }))], (f) => ({ reason: v(f, 'reason') })));
    if (can.has('resume')) forms.push(actionForm(t, 'resume', '恢复办理', [], () => ({})));
    if (can.has('merge')) forms.push(actionForm(t, 'merge', '并单', [el('label', {}, '并入工单号（保留的那一件）', el('input', { name: 'into', inputmode: 'numeric', required: true, pattern: '\\d{10,12}' }))], (f) => ({ into: v(f, 'into') })));
    if (can.has('supervise')) forms.push(actionForm(t, 'supervise', '督办', [el('label', {}, '督办意见（承办单位可见）', el('textarea', { name: 'note', maxlength: 1000, required: true }))], (f) => ({ note: v(f, 'note') })));
    if (can.has('close')) forms.push(actionForm(t, 'close', '办结', [el('label', {}, '办结说明', el('input', { name: 'reason', maxlength: 500 }))], (f) => (v(f, 'reason') ? { reason: v(f, 'reason') } : {})));
    return forms.length ? section('办理', el('div', { class: 'actions' }, forms)) : null;
  }

  // ---- knowledge base ----

  const yearFromNow = () => { const d = new Date(); d.setFullYear(d.getFullYear() + 1); return d.toISOString().slice(0, 10); };

  /** An agent (or the centre) turns an answer to a citizen into a proposed knowledge-base entry. */
  function proposeButton(t, r) {
    const a = state.session.account;
    if (!r.toCitizen || (a.role === 'agent' && r.department !== a.department) || a.role === 'supervisor') return null;
    const error = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { class: 'propose', hidden: true },
      el('label', {}, '其他问法（每行一种；市民原话会自动加入，电话号码已遮蔽）', el('textarea', { name: 'questions', rows: 3, maxlength: 2000 })),
      el('label', {}, '答复内容', el('textarea', { name: 'answer', rows: 4, maxlength: 2000 }, r.text)),
      el('label', {}, '有效期至', el('input', { name: 'validUntil', type: 'date', required: true, value: yearFromNow() })),
      error, el('button', { type: 'submit' }, a.role === 'admin' ? '加入知识库' : '提交给管理员审核'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      try {
        const entry = await api('POST', `/tickets/${t.id}/knowledge`, { reply: r.seq, questions: f.questions.value.split('\n').map((x) => x.trim()).filter(Boolean), answer: f.answer.value.trim(), validUntil: f.validUntil.value });
        notice(`已生成知识条目 ${entry.id}（${entry.status === 'published' ? '已发布' : '待管理员审核'}）。`);
        form.hidden = true;
      } catch (err) { error.textContent = err.message; }
    });
    return el('div', {}, el('button', { type: 'button', class: 'link', onclick: () => (form.hidden = !form.hidden) }, '转为知识库条目'), form);
  }

  const STATUS_NAMES = { published: '已发布', draft: '待审核', retired: '已停用' };

  async function knowledgeView(query) {
    const admin = state.session.account.role === 'admin';
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    const { items } = await api('GET', '/knowledge' + (params.toString() ? '?' + params : ''));
    const search = el('form', { class: 'row' }, el('label', {}, '搜索', el('input', { name: 'q', value: query || '', placeholder: '输入市民的问法，按机器人的匹配排序' })), el('button', { type: 'submit' }, '搜索'));
    search.addEventListener('submit', async (e) => { e.preventDefault(); $('admin-pane').replaceChildren(await knowledgeView(search.elements.q.value.trim())); });
    const editor = (entry) => {
      const error = el('p', { class: 'error', role: 'alert' });
      const form = el('form', { class: 'kb-entry', 'data-entry': entry ? entry.id : 'new' },
        el('div', { class: 'row' },
          el('label', {}, '主管单位', unitSelect('department')),
          el('label', {}, '有效期至', el('input', { name: 'validUntil', type: 'date', required: true, value: entry ? entry.validUntil : yearFromNow() })),
          el('label', {}, '状态', el('select', { name: 'status' }, Object.entries(STATUS_NAMES).map(([k, n]) => el('option', { value: k }, n))))),
        el('label', {}, '问法（每行一种）', el('textarea', { name: 'questions', rows: 4, required: true }, entry ? entry.questions.join('\n') : '')),
        el('label', {}, '答复内容', el('textarea', { name: 'answer', rows: 5, required: true, maxlength: 2000 }, entry ? entry.answer : '')),
        error, el('button', { type: 'submit' }, entry ? '保存' : '新增条目'));
      form.elements.department.value = entry ? entry.department : state.catalogue[0].code;
      form.elements.status.value = entry ? entry.status : 'published';
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const f = form.elements;
        const body = { department: f.department.value, validUntil: f.validUntil.value, status: f.status.value, questions: f.questions.value.split('\n').map((x) => x.trim()).filter(Boolean), answer: f.answer.value.trim() };
        try {
          if (entry) await api('PUT', '/knowledge/' + entry.id, { ...body, expectedVersion: entry.version });
          else await api('POST', '/knowledge', body);
          notice(entry ? `已保存 ${entry.id}。` : '已新增知识条目。');
          $('admin-pane').replaceChildren(await knowledgeView(query));
        } catch (err) { error.textContent = err.message; }
      });
      return form;
    };
    const rows = items.map((e) => el('li', { class: 'card', 'data-entry': e.id },
      el('strong', {}, `${e.id} · ${e.departmentName} · ${STATUS_NAMES[e.status]}`), e.expired ? el('span', { class: 'tag urgent' }, '已过有效期') : null,
      el('span', { class: 'muted' }, ` 有效期至 ${e.validUntil}${e.source ? `，来自工单 ${e.source.ticketId}` : ''}`),
      el('div', { class: 'muted' }, '问法：' + e.questions.join(' / ')),
      el('div', { class: 'words' }, e.answer),
      admin ? el('details', {}, el('summary', {}, '编辑'), editor(e)) : null));
    return el('div', {}, section('知识库（机器人对咨询即时解答；过期、待审核和停用的条目不会使用）', search, admin ? el('details', {}, el('summary', {}, '新增条目'), editor(null)) : null),
      el('ul', { class: 'kb-list' }, rows.length ? rows : el('li', { class: 'muted' }, '没有找到条目。')));
  }

  // ---- measures, trends, hotspots, reports ----

  const RATE_KEYS = [['responseRate', '响应率'], ['resolutionRate', '解决率'], ['satisfactionRate', '满意率'], ['onTimeRate', '按时办结率'], ['returnRate', '退单率'], ['reopenRate', '重办率']];
  const pct = (v) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%');
  const num = (v) => (v === null || v === undefined ? '—' : String(v));
  const PALETTE = ['#b4232a', '#1c7ed6', '#2f9e44', '#e8a500', '#862e9c', '#0c8599', '#d6336c', '#5c940d', '#495057', '#f76707'];

  /** A chart (Chart.js, served by the product) with its numbers as a table beneath it. */
  function chartWithTable(title, config, header, rows) {
    const canvas = el('canvas', { role: 'img', 'aria-label': title });
    const box = el('div', { class: 'chart' }, canvas);
    const table = el('details', {}, el('summary', {}, '查看数据表'), el('table', { class: 'data' }, el('thead', {}, el('tr', {}, header.map((h) => el('th', {}, h)))), el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c)))))));
    const card = section(title, box, table);
    requestAnimationFrame(() => { if (window.Chart) new window.Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options || {}) } }); });
    return card;
  }

  async function measuresView(f) {
    const q = f || { period: 'month' };
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v));
    const d = await api('GET', '/measures?' + params);
    const form = el('form', { class: 'row' },
      el('label', {}, '期间', el('select', { name: 'period' }, [['day', '日'], ['week', '周'], ['month', '月'], ['quarter', '季度'], ['custom', '自定义']].map(([k, n]) => el('option', { value: k }, n)))),
      el('label', {}, '日期（自定义为开始日）', el('input', { name: 'date', type: 'date', value: q.date || '' })),
      el('label', {}, '结束日（自定义）', el('input', { name: 'until', type: 'date', value: q.until || '' })),
      el('label', {}, '范围', el('select', { name: 'enterprise' }, el('option', { value: '' }, '全部工单'), el('option', { value: 'true' }, '仅企业诉求'), el('option', { value: 'false' }, '仅市民诉求'))),
      el('label', {}, '企业诉求类别', el('select', { name: 'category' }, el('option', { value: '' }, '全部'), CATEGORIES.map((c) => el('option', { value: c }, c)))),
      el('button', { type: 'submit' }, '查询'));
    form.elements.period.value = q.period || 'month';
    form.elements.enterprise.value = q.enterprise || '';
    form.elements.category.value = q.category || '';
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const next = {};
      for (const k of ['period', 'date', 'until', 'enterprise', 'category']) next[k] = form.elements[k].value;
      if (next.category) next.enterprise = 'true';
      try { $('admin-pane').replaceChildren(await measuresView(next)); } catch (err) { notice(err.message); }
    });
    const c = d.centre;
    const kpis = el('div', { class: 'kpis' }, [['受理量', num(c.received)], ...RATE_KEYS.map(([k, n]) => [n, pct(c[k])]), ['平均办理时长', c.avgHandlingHours === null ? '—' : c.avgHandlingHours + ' 小时'], ['90%办理时长', c.p90HandlingHours === null ? '—' : c.p90HandlingHours + ' 小时'], ['当前超期', num(c.overdueNow)]]
      .map(([n, v]) => el('div', { class: 'kpi' }, el('div', { class: 'muted' }, n), el('strong', {}, v))));
    const unitTable = el('table', { class: 'data', id: 'measures-table' },
      el('thead', {}, el('tr', {}, ['单位', '受理量', ...RATE_KEYS.map(([, n]) => n), '平均时长(h)', '90%时长(h)', '当前超期', '得分', '排名'].map((h) => el('th', {}, h)))),
      el('tbody', {}, d.units.map((u) => el('tr', { class: u.ranking && u.ranking.list ? 'list-' + u.ranking.list : '' }, el('td', {}, u.name), el('td', {}, u.received), RATE_KEYS.map(([k]) => el('td', {}, pct(u[k]))), el('td', {}, num(u.avgHandlingHours)), el('td', {}, num(u.p90HandlingHours)), el('td', {}, u.overdueNow), el('td', {}, num(u.ranking && u.ranking.score)), el('td', {}, num(u.ranking && u.ranking.rank))))));
    const arrow = (ch) => (ch === null ? '—' : ch > 0 ? `↑${ch}` : ch < 0 ? `↓${-ch}` : '持平');
    const listTable = (which, title) => el('div', { class: 'list-' + which }, el('h4', {}, title), el('ol', {}, d.ranking.filter((r) => r.list === which).map((r) => el('li', {}, `${r.name}：${r.score} 分（较上期 ${arrow(r.change)}）`))));
    const weightsText = Object.entries(d.weights).filter(([, w]) => w).map(([k, w]) => `${(RATE_KEYS.find(([x]) => x === k) || [k, k])[1]}×${w}`).join('，');
    const ranked = d.ranking.filter((r) => r.score !== null);
    const trendsData = await api('GET', '/measures/trends?' + new URLSearchParams({ ...(q.date ? { date: q.date } : {}), ...(q.enterprise ? { enterprise: q.enterprise } : {}) }));
    const types = [...new Set(trendsData.byType.map((r) => r.key))];
    const count = (rows, day, key) => (rows.find((r) => r.day === day && r.key === key) || { count: 0 }).count;
    const units = [...new Set(trendsData.byUnit.map((r) => r.key))].map((k) => [k, trendsData.byUnit.find((r) => r.key === k).name]).sort((a, b) => trendsData.byUnit.filter((r) => r.key === b[0]).reduce((s, r) => s + r.count, 0) - trendsData.byUnit.filter((r) => r.key === a[0]).reduce((s, r) => s + r.count, 0)).slice(0, 8);
    return el('div', { id: 'measures-view' },
      section(`统计分析 · ${d.period.label}（对比上期：${d.previous.label}）`, form, kpis),
      section('红黑榜', el('p', { class: 'muted' }, `综合得分 = 各项比率的加权平均（${weightsText}；退单率、重办率按“1−比率”计入），百分制。`), el('div', { class: 'lists' }, listTable('red', '红榜（前列）'), listTable('black', '黑榜（末位）'))),
      chartWithTable('各单位综合得分', { type: 'bar', data: { labels: ranked.map((r) => r.name), datasets: [{ label: '综合得分', data: ranked.map((r) => r.score), backgroundColor: ranked.map((r) => (r.list === 'red' ? '#b4232a' : r.list === 'black' ? '#343a40' : '#adb5bd')) }] }, options: { indexAxis: 'y', scales: { x: { min: 0, max: 100 } } } },
        ['排名', '单位', '得分', '上期得分', '变化'], ranked.map((r) => [r.rank, r.name, r.score, num(r.previousScore), arrow(r.change)])),
      section('各单位指标', unitTable),
      ...(await enterpriseByCategory(params)),
      chartWithTable(`每日受理量（按类型，近 ${trendsData.days.length} 天）`, { type: 'bar', data: { labels: trendsData.days.map((x) => x.slice(5)), datasets: types.map((t, i) => ({ label: t, data: trendsData.days.map((day) => count(trendsData.byType, day, t)), backgroundColor: PALETTE[i % PALETTE.length] })) }, options: { scales: { x: { stacked: true }, y: { stacked: true } } } },
        ['日期', ...types], trendsData.days.map((day) => [day, ...types.map((t) => count(trendsData.byType, day, t))])),
      chartWithTable('每日受理量（按承办单位，前 8 个）', { type: 'line', data: { labels: trendsData.days.map((x) => x.slice(5)), datasets: units.map(([k, n], i) => ({ label: n, data: trendsData.days.map((day) => count(trendsData.byUnit, day, k)), borderColor: PALETTE[i % PALETTE.length], fill: false })) } },
        ['日期', ...units.map(([, n]) => n)], trendsData.days.map((day) => [day, ...units.map(([k]) => count(trendsData.byUnit, day, k))])),
      ...RATE_KEYS.map(([k, n]) => chartWithTable(`${n}（按周）`, { type: 'line', data: { labels: trendsData.series.map((x) => x.from.slice(5)), datasets: [{ label: n, data: trendsData.series.map((x) => (x[k] === null ? null : Math.round(x[k] * 1000) / 10)), borderColor: '#b4232a', spanGaps: true }] }, options: { scales: { y: { min: 0, max: 100 } } } },
        ['周', n], trendsData.series.map((x) => [x.period, pct(x[k])]))),
      section('指标口径', el('dl', { class: 'definitions' }, d.definitions.flatMap((x) => [el('dt', {}, x.name), el('dd', {}, x.definition)]))));
  }

  /** Enterprise appeals of the period by category (企业诉求), as a chart and a table. */
  async function enterpriseByCategory(params) {
    const p = new URLSearchParams(params);
    p.delete('enterprise');
    p.delete('category');
    const e = await api('GET', '/measures/enterprise?' + p);
    const rows = e.categories.filter((c) => c.received > 0);
    return [chartWithTable(`企业诉求（按类别，共 ${e.total.received} 件）`, { type: 'bar', data: { labels: e.categories.map((c) => c.category), datasets: [{ label: '受理量', data: e.categories.map((c) => c.received), backgroundColor: '#1c7ed6' }] } },
      ['类别', '受理量', ...RATE_KEYS.map(([, n]) => n), '平均时长(h)', '当前超期'], (rows.length ? rows : e.categories).map((c) => [c.category, c.received, ...RATE_KEYS.map(([k]) => pct(c[k])), num(c.avgHandlingHours), c.overdueNow]))];
  }

  async function hotspotsView(date) {
    const h = await api('GET', '/measures/hotspots' + (date ? '?date=' + date : ''));
    const form = el('form', { class: 'row' }, el('label', {}, '所在周的任一天', el('input', { name: 'date', type: 'date', value: date || '' })), el('button', { type: 'submit' }, '查询'));
    form.addEventListener('submit', async (e) => { e.preventDefault(); try { $('admin-pane').replaceChildren(await hotspotsView(form.elements.date.value)); } catch (err) { notice(err.message); } });
    const table = (rows, what) => el('table', { class: 'data' }, el('thead', {}, el('tr', {}, el('th', {}, what), el('th', {}, '本周'), el('th', {}, '前几周周均'), el('th', {}, '增加'))),
      el('tbody', {}, rows.map((r) => el('tr', {}, el('td', {}, r.key), el('td', {}, r.count), el('td', {}, r.before), el('td', {}, r.rise > 0 ? '+' + r.rise : r.rise)))));
    return el('div', { id: 'hotspots-view' },
      section(`热点预警 · ${h.week.label}`, form, el('p', { class: 'muted' }, '同一地点、同一问题本周反映 3 件及以上的列为重复诉求，请关注是否需要并单或提级督办。')),
      section('重复诉求（同一地点·同一问题）', h.groups.length ? el('table', { class: 'data' }, el('thead', {}, el('tr', {}, ['地点', '问题', '件数', '工单'].map((x) => el('th', {}, x)))),
        el('tbody', {}, h.groups.map((g) => el('tr', {}, el('td', {}, g.place), el('td', {}, g.topic), el('td', {}, g.count), el('td', {}, g.ticketIds.slice(0, 10).map((id) => el('button', { type: 'button', class: 'link', onclick: () => { selectTab(TABS[state.session.account.role].find(([k]) => k === 'all') ? 'all' : TABS[state.session.account.role][0][0]); openTicket(id); } }, id))))))) : el('p', { class: 'muted' }, '本周暂无重复诉求。')),
      chartWithTable('本周问题热点（件数）', { type: 'bar', data: { labels: h.topics.top.map((t) => t.key), datasets: [{ label: '本周', data: h.topics.top.map((t) => t.count), backgroundColor: '#b4232a' }, { label: '前几周周均', data: h.topics.top.map((t) => t.before), backgroundColor: '#adb5bd' }] }, options: { indexAxis: 'y' } },
        ['问题', '本周', '前几周周均'], h.topics.top.map((t) => [t.key, t.count, t.before])),
      section('上升最快的问题', table(h.topics.rising, '问题')),
      section('本周地点热点', table(h.places.top, '地点')),
      section('上升最快的地点', table(h.places.rising, '地点')));
  }

  async function reportsView() {
    const { items } = await api('GET', '/reports');
    const month = new Date(Date.now() + 8 * 3600_000 - 20 * 86400_000).toISOString().slice(0, 7);
    const error = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { class: 'row' }, el('label', {}, '月份', el('input', { name: 'month', type: 'month', value: month, required: true })), el('button', { type: 'submit' }, '生成月报'), error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try { await api('POST', '/reports', { month: form.elements.month.value }); notice('月报正在生成，稍后刷新本页即可下载。'); } catch (err) { error.textContent = err.message; }
    });
    const ledger = el('form', { class: 'row' },
      el('label', {}, '受理自', el('input', { name: 'from', type: 'date' })), el('label', {}, '至', el('input', { name: 'to', type: 'date' })),
      el('label', {}, '状态', el('select', { name: 'state' }, el('option', { value: '' }, '全部'), el('option', { value: 'open' }, '在办'), el('option', { value: 'closed' }, '已办结'))),
      el('label', {}, '承办单位', unitSelect('department', { optional: true })),
      el('button', { type: 'submit', value: 'xlsx' }, '导出 Excel'), el('button', { type: 'submit', value: 'csv', class: 'secondary' }, '导出 CSV'));
    ledger.addEventListener('submit', (e) => {
      e.preventDefault();
      const format = (e.submitter && e.submitter.value) || 'xlsx';
      const p = new URLSearchParams();
      for (const k of ['from', 'to', 'state', 'department']) if (ledger.elements[k].value) p.set(k, ledger.elements[k].value);
      window.location.href = `${API}/issue-ledger.${format}${p.toString() ? '?' + p : ''}`;
    });
    return el('div', {},
      section('月报（每月1日自动生成上月月报，也可随时生成）', form, items.length ? el('table', { class: 'data' }, el('thead', {}, el('tr', {}, ['月份', '格式', '大小', '生成时间', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, items.map((r) => el('tr', {}, el('td', {}, r.month), el('td', {}, r.format.toUpperCase()), el('td', {}, `${Math.ceil(r.bytes / 1024)} KB`), el('td', {}, fmtTime(r.generatedAt)), el('td', {}, el('a', { href: `${API}/reports/${r.name}`, download: '' }, '下载')))))) : el('p', { class: 'muted' }, '暂无月报。')),
      section('问题台账（符合条件的全部工单及办理经过）', ledger));
  }

  // ---- enterprise ledger ----

  const CATEGORIES = ['审批服务', '涉企收费', '融资信贷', '政策兑现', '执法检查', '水电气暖报装', '拖欠账款', '招商承诺兑现', '权益保护', '干部作风'];

  async function ledgerView(filters) {
    const f = filters || {};
    const params = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
    const data = await api('GET', '/enterprise/ledger' + (params.toString() ? '?' + params : ''));
    const form = el('form', { class: 'row' },
      el('label', {}, '信用代码', el('input', { name: 'creditCode', value: f.creditCode || '', maxlength: 18 })),
      el('label', {}, '类别', el('select', { name: 'category' }, el('option', { value: '' }, '全部'), CATEGORIES.map((c) => el('option', { value: c }, c)))),
      el('label', {}, '承办单位', unitSelect('department', { optional: true })),
      el('label', {}, '状态', el('select', { name: 'state' }, el('option', { value: '' }, '全部'), el('option', { value: 'open' }, '在办'), el('option', { value: 'closed' }, '已办结'))),
      el('label', {}, '受理自', el('input', { name: 'from', type: 'date', value: f.from || '' })),
      el('label', {}, '至', el('input', { name: 'to', type: 'date', value: f.to || '' })),
      el('button', { type: 'submit' }, '查询'));
    for (const k of ['category', 'department', 'state']) form.elements[k].value = f[k] || '';
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const next = {};
      for (const k of ['creditCode', 'category', 'department', 'state', 'from', 'to']) next[k] = form.elements[k].value.trim();
      try { $('admin-pane').replaceChildren(await ledgerView(next)); } catch (err) { notice(err.message); }
    });
    const q = params.toString() ? '?' + params : '';
    const groupTable = (title, list) => el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, title), el('th', {}, '件数'), el('th', {}, '未办结'))),
      el('tbody', {}, list.map((g) => el('tr', {}, el('td', {}, g.name), el('td', {}, g.total), el('td', {}, g.open)))));
    return el('div', {},
      section(`企业诉求台账（共 ${data.total} 件）`, form,
        el('p', {}, el('a', { href: API + '/enterprise/ledger.xlsx' + q, download: '' }, '导出 Excel'), ' · ', el('a', { href: API + '/enterprise/ledger.csv' + q, download: '' }, '导出 CSV'))),
      el('div', { class: 'groups' },
        section('按企业', groupTable('企业', data.groups.byEnterprise)),
        section('按类别', groupTable('类别', data.groups.byCategory)),
        section('按承办单位', groupTable('单位', data.groups.byUnit)),
        section('按状态', groupTable('状态', data.groups.byState))),
      section('明细', el('table', { id: 'ledger-table' },
        el('thead', {}, el('tr', {}, ['工单号', '受理时间', '企业', '类别', '承办单位', '状态', '答复期限', '办结期限'].map((h) => el('th', {}, h)))),
        el('tbody', {}, data.items.map((r) => el('tr', { onclick: () => { selectTab(state.session.account.role === 'liaison' ? 'all' : (TABS[state.session.account.role][0][0])); openTicket(r.id); } },
          el('td', {}, r.id), el('td', {}, r.receivedAt), el('td', {}, r.enterpriseName), el('td', {}, r.category), el('td', {}, r.unit), el('td', {}, r.stateName), el('td', {}, r.replyDeadline), el('td', {}, r.resolveDeadline || '')))))));
  }

  // ---- Open311 clients ----

  async function open311View() {
    const { items } = await api('GET', '/open311/clients');
    const error = el('p', { class: 'error', role: 'alert' });
    const shown = el('p', { class: 'notice-key', role: 'status' });
    const form = el('form', { class: 'row' }, el('label', {}, '接入方名称', el('input', { name: 'name', required: true, maxlength: 64, placeholder: '如 市民通小程序' })), el('button', { type: 'submit' }, '创建接入密钥'), error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const c = await api('POST', '/open311/clients', { name: form.elements.name.value.trim() });
        $('admin-pane').replaceChildren(await open311View());
        $('admin-pane').prepend(section('新密钥（只显示这一次，请立即交给接入方妥善保存）', el('code', { class: 'api-key' }, c.apiKey)));
      } catch (err) { error.textContent = err.message; }
    });
    const revoke = (c) => el('button', { type: 'button', class: 'link', onclick: async () => {
      if (!confirm(`停用“${c.name}”的接入密钥？停用后该接入方无法再提交工单。`)) return;
      try { await api('DELETE', '/open311/clients/' + c.id); $('admin-pane').replaceChildren(await open311View()); } catch (err) { notice(err.message); }
    } }, '停用');
    return el('div', {},
      section('开放接口（Open311 GeoReport v2）', el('p', { class: 'muted' }, '小程序、App 和省级平台通过 /open311/v2/ 提交和查询工单；提交需要接入密钥 api_key。'), form, shown),
      section(`接入方（${items.length}）`, el('table', {},
        el('thead', {}, el('tr', {}, ['名称', '创建时间', '创建人', '状态', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, items.map((c) => el('tr', {}, el('td', {}, c.name), el('td', {}, fmtTime(c.createdAt)), el('td', {}, c.createdBy), el('td', {}, c.revokedAt ? `已停用（${fmtTime(c.revokedAt)}）` : '正常'), el('td', {}, c.revokedAt ? '' : revoke(c))))))));
  }

  // ---- administration and notifications ----

  async function renderAdmin(key) {
    const pane = $('admin-pane');
    try {
      if (key === 'accounts') return void pane.replaceChildren(await accountsView());
      if (key === 'audit') {
        const { items } = await api('GET', '/audit?limit=200');
        return void pane.replaceChildren(section('审计日志（最近 200 条）', el('table', {},
          el('thead', {}, el('tr', {}, ['时间', '账号', '角色', '操作', '工单', '结果', '来源地址', '说明'].map((h) => el('th', {}, h)))),
          el('tbody', {}, items.map((e) => el('tr', {}, el('td', {}, fmtTime(e.at)), el('td', {}, `${e.actorName}（${e.actorId}）`), el('td', {}, ROLE_NAMES[e.role] || '未登录'), el('td', {}, e.action), el('td', {}, e.ticketId || ''), el('td', {}, e.outcome === 'ok' ? '成功' : '拒绝'), el('td', {}, e.ip || ''), el('td', {}, e.detail || '')))))));
      }
      if (key === 'catalogue') return void pane.replaceChildren(await catalogueView());
      if (key === 'limits') return void pane.replaceChildren(await limitsView());
      if (key === 'knowledge') return void pane.replaceChildren(await knowledgeView());
      if (key === 'open311') return void pane.replaceChildren(await open311View());
      if (key === 'ledger') return void pane.replaceChildren(await ledgerView());
      if (key === 'measures') return void pane.replaceChildren(await measuresView());
      if (key === 'hotspots') return void pane.replaceChildren(await hotspotsView());
      if (key === 'reports') return void pane.replaceChildren(await reportsView());
      if (key === 'notifications') {
        const { items } = await api('GET', '/notifications');
        return void pane.replaceChildren(section('站内通知', items.length ? el('ul', {}, items.map((n) => el('li', {}, `${fmtTime(n.at)} ${n.text}`))) : el('p', { class: 'muted' }, '暂无通知。')));
      }
    } catch (err) {
      notice(err.message);
    }
  }

  async function catalogueView() {
    const cat = await api('GET', '/catalogue');
    state.catalogue = cat.departments;
    $('unit-filter').replaceChildren(el('option', { value: '' }, '全部单位'), ...cat.departments.map((d) => el('option', { value: d.code }, d.name)));
    const editForm = (d) => {
      const error = el('p', { class: 'error', role: 'alert' });
      const form = el('form', { class: 'row', 'data-unit': d ? d.code : 'new' },
        d ? null : el('label', {}, '代码', el('input', { name: 'code', required: true, pattern: '[a-z0-9\\-]{2,64}', placeholder: '如 sports-bureau' })),
        el('label', {}, '名称', el('input', { name: 'name', required: true, maxlength: 64, value: d ? d.name : '' })),
        el('label', {}, '职责事项（用顿号或逗号分隔）', el('input', { name: 'scope', value: d ? d.scope.join('、') : '' })),
        el('button', { type: 'submit' }, d ? '保存' : '新增单位'), error);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const f = form.elements;
        const code = d ? d.code : f.code.value.trim();
        try {
          await api('PUT', '/catalogue/' + encodeURIComponent(code), { name: f.name.value.trim(), scope: f.scope.value.split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean), expectedVersion: cat.settingVersion });
          notice(d ? `已保存：${f.name.value.trim()}` : `已新增单位：${f.name.value.trim()}（新单位可人工派单；智能分派需在积累改派记录后重新训练）`);
          renderAdmin('catalogue');
        } catch (err) { error.textContent = err.message; }
      });
      return form;
    };
    const admin = state.session.account.role === 'admin';
    return el('div', {},
      section(`派单目录（${cat.departments.length} 个单位${cat.updatedAt ? `，${fmtTime(cat.updatedAt)} 由 ${cat.updatedBy} 修改` : '，来自 data/departments.json'}）`,
        el('table', {},
          el('thead', {}, el('tr', {}, el('th', {}, '代码'), el('th', {}, admin ? '名称与职责（可修改）' : '名称与职责'))),
          el('tbody', {}, cat.departments.map((d) => el('tr', {}, el('td', {}, d.code), el('td', {}, admin ? editForm(d) : `${d.name}：${d.scope.join('、')}`)))))),
      admin ? section('新增单位', editForm(null)) : null);
  }

  async function limitsView() {
    const data = await api('GET', '/time-limits');
    const error = el('p', { class: 'error', role: 'alert' });
    const area = el('textarea', { name: 'limits', rows: 24, spellcheck: 'false' });
    area.value = JSON.stringify(data.limits, null, 2);
    const form = el('form', {}, el('p', { class: 'muted' }, '修改后只影响此后计算的期限；已派出工单的期限不变。'), area, error, el('button', { type: 'submit' }, '保存办理时限'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let limits;
      try { limits = JSON.parse(area.value); } catch { error.textContent = '内容不是有效的 JSON，请检查括号和引号。'; return; }
      try {
        await api('PUT', '/time-limits', { limits, expectedVersion: data.settingVersion });
        notice('办理时限已保存，所有进程已更新。');
        renderAdmin('limits');
      } catch (err) { error.textContent = err.message; }
    });
    return section(`办理时限${data.updatedAt ? `（${fmtTime(data.updatedAt)} 由 ${data.updatedBy} 修改）` : '（来自 data/time-limits.json）'}`, form);
  }

  async function accountsView() {
    const { items } = await api('GET', '/accounts');
    const error = el('p', { class: 'error', role: 'alert' });
    const role = el('select', { name: 'role' }, Object.entries(ROLE_NAMES).map(([k, n]) => el('option', { value: k }, n)));
    const form = el('form', {},
      el('div', { class: 'row' },
        el('label', {}, '用户名', el('input', { name: 'username', required: true, pattern: '[a-z0-9_.\\-]{3,32}' })),
        el('label', {}, '姓名', el('input', { name: 'displayName', required: true, maxlength: 32 })),
        el('label', {}, '角色', role),
        el('label', {}, '所属单位（承办人）', unitSelect('department', { optional: true })),
        el('label', {}, '联系企业（首席服务员；统一社会信用代码，逗号分隔）', el('input', { name: 'enterprises', placeholder: '91350100M000100Y43' })),
        el('label', {}, '初始密码', el('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' }))),
      error, el('button', { type: 'submit' }, '新建账号'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = form.elements;
      try {
        const enterprises = f.enterprises.value.split(/[,，、\s]+/).map((x) => x.trim()).filter(Boolean);
        await api('POST', '/accounts', { username: f.username.value.trim(), displayName: f.displayName.value.trim(), role: f.role.value, ...(f.department.value ? { department: f.department.value } : {}), ...(enterprises.length ? { enterprises } : {}), password: f.password.value });
        notice('账号已创建，首次登录时须修改密码。');
        renderAdmin('accounts');
      } catch (err) { error.textContent = err.message; }
    });
    const toggle = (a) => el('button', { type: 'button', class: 'link', onclick: async () => {
      try { await api('PATCH', '/accounts/' + a.id, { disabled: !a.disabled }); renderAdmin('accounts'); } catch (err) { notice(err.message); }
    } }, a.disabled ? '启用' : '停用');
    return el('div', {},
      section('新建账号', form),
      section(`账号（${items.length}）`, el('table', {},
        el('thead', {}, el('tr', {}, ['用户名', '姓名', '角色', '所属单位', '状态', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, items.map((a) => el('tr', {}, el('td', {}, a.username), el('td', {}, a.displayName), el('td', {}, ROLE_NAMES[a.role]), el('td', {}, a.department ? unitName(a.department) : a.enterprises ? `联系企业 ${a.enterprises.length} 家` : ''), el('td', {}, a.disabled ? '已停用' : '正常'), el('td', {}, a.id === state.session.account.id ? '' : toggle(a))))))));
  }

  $('btn-refresh').addEventListener('click', () => loadList());
  $('unit-filter').addEventListener('change', () => loadList());

  // Resume a session the browser still has.
  api('GET', '/session').then((s) => { state.session = s; return start(); }).catch(() => showLogin());
})();
