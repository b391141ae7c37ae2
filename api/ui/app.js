// Operator page of the GMS callback service: plain JavaScript, no build step.
//
// It reads the service's own JSON endpoints:
//   GET ../genesys/1/admin/callback/watermarks   (admin)  service names, executing counts
//   GET ../genesys/1/admin/callback/queues       (admin)  callbacks per service, next 24 h
//   GET ../genesys/2/service/callback/NAME/availability?number-of-days=1&report-busy=true
//   GET ../genesys/1/service/callback?_customer_number=N
//   GET ../genesys/1/admin/callback/notifications?_id=ID (admin)  a found callback's webhook deliveries
// The admin's Basic credentials live in a variable of this script only (never
// in storage or cookies). For kiosks and tests the page also takes them from
// the URL fragment, #auth=<base64 of user:password> (a fragment is never sent
// to a server); it is removed from the address bar at once. #q=<number>
// pre-fills and runs the search.
'use strict';

(() => {
  const STATES = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING', 'PAUSED', 'COMPLETED'];
  const HOURS = 24;
  const HOUR_MS = 3600 * 1000;
  const REFRESH_MS = 60 * 1000;

  const $ = (id) => document.getElementById(id);
  const meta = (name) => {
    const m = document.querySelector(`meta[name="${name}"]`);
    return m ? m.content : '';
  };

  // The Temporal Web UI base URL, only if http(s): it becomes link targets.
  const temporalUI = (() => {
    const v = meta('temporal-ui').replace(/\/+$/, '');
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:' ? v : '';
    } catch {
      return '';
    }
  })();
  const namespace = meta('temporal-namespace') || 'default';

  let auth = null; // the Authorization header value, in memory only
  let loading = false;
  let lastSearch = '';
  let timer = null;

  // el builds an element; children that are strings become text nodes, so
  // data from the API is never parsed as HTML.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  function base64(bytes) {
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  function basic(user, password) {
    return 'Basic ' + base64(new TextEncoder().encode(user + ':' + password));
  }

  class HTTPError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJSON(path, admin) {
    const headers = { Accept: 'application/json' };
    if (admin) headers.Authorization = auth;
    // credentials: 'omit' — no cookies, no cached HTTP auth, and no browser
    // login prompt on a 401: the page's own form handles it.
    const r = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    let body = null;
    try {
      body = await r.json();
    } catch {
      body = null;
    }
    if (!r.ok) {
      throw new HTTPError(r.status, (body && body.message) || `${r.status} ${r.statusText}`);
    }
    return body;
  }

  // ---- formatting -------------------------------------------------------

  const pad = (n) => String(n).padStart(2, '0');
  const hm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const dayName = (d) => d.toLocaleDateString('en-GB', { weekday: 'short' });

  function when(iso) {
    const t = Date.parse(iso || '');
    if (Number.isNaN(t)) return iso || '';
    const d = new Date(t);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    return sameDay ? hm(d) : `${dayName(d)} ${pad(d.getDate())}/${pad(d.getMonth() + 1)} ${hm(d)}`;
  }

  function workflowURL(id) {
    return `${temporalUI}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}`;
  }

  // workflowLink links a callback to its workflow in the Temporal Web UI.
  function workflowLink(id) {
    const short = id.length > 13 ? id.slice(0, 8) + '…' : id;
    if (!temporalUI) return el('code', { title: id, text: short });
    return el('a', {
      class: 'wf', href: workflowURL(id), target: '_blank', rel: 'noopener noreferrer',
      title: `${id} — open in the Temporal Web UI`, 'data-callback-id': id,
    }, short);
  }

  const stateBadge = (st) => el('span', { class: `state ${STATES.includes(st) ? st : ''}` }, st || '?');

  // ---- queues and counts --------------------------------------------------

  function renderCounts(services, watermarks, queues) {
    const table = $('counts');
    const head = el('tr', null, el('th', { text: 'Service' }),
      ...STATES.map((s) => el('th', { class: 'n', text: s.toLowerCase() })),
      el('th', { class: 'n', text: 'executing', title: 'QUEUED, ROUTING, PROCESSING or PAUSED, any desired time' }));
    const rows = [head];
    const totals = Object.fromEntries(STATES.map((s) => [s, 0]));
    let totalExec = 0;
    for (const svc of services) {
      const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
      for (const cb of queues[svc] || []) {
        if (cb._callback_state in counts) counts[cb._callback_state]++;
      }
      const exec = (watermarks.services || {})[svc] || 0;
      totalExec += exec;
      const cells = STATES.map((s) => {
        totals[s] += counts[s];
        return el('td', {
          class: counts[s] ? 'n' : 'n zero', 'data-service': svc, 'data-state': s, 'data-count': counts[s],
        }, String(counts[s]));
      });
      rows.push(el('tr', { 'data-service': svc }, el('td', { class: 'svc', text: svc }), ...cells,
        el('td', { class: exec ? 'n' : 'n zero', 'data-service': svc, 'data-state': 'executing', 'data-count': exec }, String(exec))));
    }
    rows.push(el('tr', { class: 'total' }, el('td', { text: 'all services' }),
      ...STATES.map((s) => el('td', { class: 'n', 'data-state': s, 'data-count': totals[s] }, String(totals[s]))),
      el('td', { class: 'n', 'data-state': 'executing', 'data-count': totalExec }, String(totalExec))));
    table.replaceChildren(...rows);
  }

  // callbackTable lists callbacks: in a queue (with their number) or found
  // by number (with their service).
  function callbackTable(recs, withService) {
    const head = el('tr', null, el('th', { text: 'Desired time' }), el('th', { text: 'State' }),
      withService ? el('th', { text: 'Service' }) : el('th', { text: 'Number' }), el('th', { text: 'Workflow' }),
      withService ? el('th', { text: 'Notifications' }) : null);
    const rows = recs.map((cb) => el('tr', { 'data-callback-id': cb._id },
      el('td', { title: cb._desired_time || '' }, when(cb._desired_time)),
      el('td', { class: 'st' }, stateBadge(cb._callback_state), cb._callback_reason ? el('span', { class: 'reason' }, cb._callback_reason) : null),
      withService ? el('td', { text: cb._service_name || '' }) : el('td', { text: cb._customer_number || '' }),
      el('td', null, workflowLink(cb._id || '')),
      withService ? el('td', { class: 'notes', 'data-notifications-for': cb._id || '' }) : null));
    return [head, ...rows];
  }

  // deliveries fills each found callback's Notifications cell with its
  // webhook deliveries: event, state, outcome and attempts (details in the
  // tooltip).
  async function deliveries(recs) {
    const cells = new Map([...document.querySelectorAll('td[data-notifications-for]')]
      .map((td) => [td.dataset.notificationsFor, td]));
    await Promise.all(recs.map(async (cb) => {
      const cell = cells.get(cb._id);
      if (!cell) return;
      try {
        const v = await getJSON(`../genesys/1/admin/callback/notifications?_id=${encodeURIComponent(cb._id)}`, true);
        const ds = v.deliveries || [];
        if (!ds.length) {
          cell.replaceChildren(el('span', { class: 'muted', text: '—' }));
          return;
        }
        cell.replaceChildren(el('ol', { class: 'deliveries' }, ...ds.map((d) => el('li', {
          class: `delivery ${d.status}`, 'data-seq': d.seq, 'data-event': d.event, 'data-status': d.status,
          'data-attempts': d.attempts,
          title: `${d.url} · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}` +
            (d.http_status ? ` · HTTP ${d.http_status}` : '') + (d.error ? ` · ${d.error}` : ''),
        }, `${d.event} ${d._callback_state}: ${d.status}` + (d.attempts > 1 ? ` (${d.attempts} attempts)` : '')))));
      } catch (e) {
        cell.replaceChildren(el('span', { class: 'error', text: e.message }));
      }
    }));
  }

  function renderQueues(services, queues) {
    const open = new Set([...document.querySelectorAll('details.queue[open]')].map((d) => d.dataset.service));
    const lists = services.filter((s) => (queues[s] || []).length > 0).map((svc) => {
      const recs = queues[svc];
      return el('details', { class: 'queue', 'data-service': svc, open: open.has(svc) ? '' : null },
        el('summary', null, `${svc} — ${recs.length} callback${recs.length === 1 ? '' : 's'}`),
        el('table', { class: 'list' }, ...callbackTable(recs, false)));
    });
    $('queue-lists').replaceChildren(...lists);
  }

  // ---- heat map -------------------------------------------------------------

  function level(capacity, total, open) {
    if (!open || total <= 0) return 'closed';
    if (capacity <= 0) return 'full';
    const r = capacity / total;
    if (r >= 1) return 'free';
    if (r > 2 / 3) return 'high';
    if (r >= 1 / 3) return 'mid';
    return 'low';
  }

  // hours sums a v2 availability answer per hour from t0: a slot counts in
  // every hour it overlaps.
  function hours(answer, t0) {
    const cap = new Array(HOURS).fill(0);
    const tot = new Array(HOURS).fill(0);
    const open = new Array(HOURS).fill(false);
    const dur = Math.max(1, answer.durationMin || 60) * 60 * 1000;
    for (const sl of answer.slots || []) {
      const a = Date.parse(sl.utcTime);
      if (Number.isNaN(a)) continue;
      for (let i = Math.max(0, Math.floor((a - t0) / HOUR_MS)); i < HOURS && t0 + i * HOUR_MS < a + dur; i++) {
        cap[i] += sl.capacity || 0;
        tot[i] += sl.total || 0;
        open[i] = true;
      }
    }
    return { cap, tot, open };
  }

  async function renderHeat(services) {
    const start = new Date();
    start.setMinutes(0, 0, 0);
    const t0 = start.getTime();
    const answers = await Promise.all(services.map((svc) =>
      getJSON(`../genesys/2/service/callback/${encodeURIComponent(svc)}/availability?number-of-days=1&report-busy=true`)
        .then((v) => ({ v }), (e) => ({ e }))));

    const grid = $('heatmap');
    grid.style.gridTemplateColumns = `minmax(110px, 170px) repeat(${HOURS}, minmax(0, 1fr))`;
    const nodes = [el('div', { class: 'hour' })];
    for (let i = 0; i < HOURS; i++) {
      const d = new Date(t0 + i * HOUR_MS);
      const day = i === 0 || d.getHours() === 0 ? dayName(d) : '\u00a0';
      nodes.push(el('div', { class: 'hour', title: d.toString() }, el('span', { class: 'day' }, day), pad(d.getHours())));
    }
    services.forEach((svc, k) => {
      nodes.push(el('div', { class: 'svc', title: svc, 'data-service': svc }, svc));
      const { v, e } = answers[k];
      if (e) {
        nodes.push(el('div', { class: 'note', 'data-service': svc, 'data-error': e.status || '' }, `no availability: ${e.message}`));
        return;
      }
      const h = hours(v, t0);
      for (let i = 0; i < HOURS; i++) {
        const from = new Date(t0 + i * HOUR_MS);
        const to = new Date(t0 + (i + 1) * HOUR_MS);
        const lvl = level(h.cap[i], h.tot[i], h.open[i]);
        const what = lvl === 'closed' ? 'closed' : `${h.cap[i]} of ${h.tot[i]} places left`;
        nodes.push(el('div', {
          class: `cell lvl-${lvl}`, role: 'gridcell', 'data-service': svc, 'data-hour': from.toISOString(),
          'data-capacity': h.cap[i], 'data-total': h.tot[i], 'data-level': lvl,
          title: `${svc} · ${dayName(from)} ${hm(from)}–${hm(to)}: ${what}`,
        }));
      }
    });
    grid.replaceChildren(...nodes);
    $('heat-zone').textContent = `hours in ${Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'}; hover a cell for places left`;
  }

  // ---- search -----------------------------------------------------------------

  async function search(number) {
    number = number.trim();
    if (!number) return;
    lastSearch = number;
    const status = $('search-status');
    status.textContent = 'Searching…';
    status.className = 'muted';
    try {
      const q = encodeURIComponent(number);
      const [recs, hash] = await Promise.all([
        getJSON(`../genesys/1/service/callback?_customer_number=${q}`),
        getJSON(`../genesys/1/admin/callback/number-hash?_customer_number=${q}`, true),
      ]);
      status.textContent = `${recs.length} callback${recs.length === 1 ? '' : 's'} for ${number}`;
      $('results').replaceChildren(...(recs.length ? callbackTable(recs, true) : []));
      temporalSearch(hash.temporal_query);
      await deliveries(recs);
    } catch (e) {
      status.textContent = e.message;
      status.className = 'error';
      $('results').replaceChildren();
    }
  }

  // temporalSearch shows the Temporal visibility query of the searched
  // number (CustomerNumber holds its keyed hash, never the number), linked
  // to the Temporal Web UI's workflow list when the page knows the UI.
  function temporalSearch(query) {
    const p = $('search-temporal');
    const code = el('code', { 'data-temporal-query': query, text: query });
    if (!temporalUI) {
      p.replaceChildren('In Temporal: ', code);
      return;
    }
    const href = `${temporalUI}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
    p.replaceChildren('In Temporal: ', el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, code));
  }

  // ---- page -------------------------------------------------------------------

  function showLogin(message) {
    auth = null;
    clearInterval(timer);
    timer = null;
    document.body.dataset.state = 'login';
    $('app').hidden = true;
    $('session').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('login-password').value = '';
    // Nothing read with the credentials stays on the page.
    for (const id of ['counts', 'queue-lists', 'heatmap', 'results']) $(id).replaceChildren();
    $('search-status').textContent = '';
    $('search-temporal').replaceChildren();
    $('updated').textContent = '';
    delete document.body.dataset.heatRect;
  }

  async function load() {
    if (loading || !auth) return;
    loading = true;
    document.body.dataset.state = 'loading';
    try {
      const [watermarks, queues] = await Promise.all([
        getJSON('../genesys/1/admin/callback/watermarks', true),
        getJSON('../genesys/1/admin/callback/queues', true),
      ]);
      $('login').hidden = true;
      $('app').hidden = false;
      $('session').hidden = false;
      const services = Object.keys(watermarks.services || {}).sort();
      renderCounts(services, watermarks, queues || {});
      renderQueues(services, queues || {});
      await renderHeat(services);
      if (lastSearch) await search(lastSearch);
      $('updated').textContent = `updated ${hm(new Date())}`;
      const r = $('heatmap').getBoundingClientRect();
      document.body.dataset.heatRect = [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]
        .map(Math.round).join(',');
      document.body.dataset.state = 'ready';
      if (!timer) timer = setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
    } catch (e) {
      if (e.status === 401) {
        showLogin('Wrong user or password.');
      } else {
        document.body.dataset.state = 'error';
        $('updated').textContent = `update failed: ${e.message}`;
        if (!$('app').hidden) return;
        $('login-error').textContent = e.message;
      }
    } finally {
      loading = false;
    }
  }

  // fragment parses the URL fragment as k=v&k=v ('+' kept: base64).
  function fragment() {
    const out = new Map();
    for (const part of location.hash.replace(/^#/, '').split('&')) {
      const i = part.indexOf('=');
      if (i <= 0) continue;
      try {
        out.set(decodeURIComponent(part.slice(0, i)), decodeURIComponent(part.slice(i + 1)));
      } catch {
        // ignore a malformed pair
      }
    }
    return out;
  }

  // fromFragment takes #auth=<base64 user:password> (standard or URL-safe).
  function fromFragment(frag) {
    const v = frag.get('auth');
    if (!v) return null;
    try {
      let b = v.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, '');
      b += '='.repeat((4 - (b.length % 4)) % 4);
      const bytes = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      const text = new TextDecoder().decode(bytes);
      const i = text.indexOf(':');
      if (i < 0) return null;
      return { user: text.slice(0, i), header: 'Basic ' + base64(bytes) };
    } catch {
      return null;
    }
  }

  function start() {
    const frag = fragment();
    const given = fromFragment(frag);
    if (frag.has('auth')) {
      // Drop the credentials from the address bar and the history entry.
      frag.delete('auth');
      const rest = [...frag].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
    }
    if (frag.get('q')) {
      lastSearch = frag.get('q').trim();
      $('search-number').value = lastSearch;
    }

    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const user = $('login-user').value;
      auth = basic(user, $('login-password').value);
      $('login-password').value = '';
      $('who').textContent = user;
      $('login-error').textContent = '';
      load();
    });
    $('logout').addEventListener('click', () => showLogin(''));
    $('refresh').addEventListener('click', () => load());
    $('search-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      search($('search-number').value);
    });

    if (given) {
      auth = given.header;
      $('who').textContent = given.user;
      $('login-user').value = given.user;
      load();
    } else {
      showLogin(frag.has('auth') ? 'The #auth fragment is not base64 of user:password.' : '');
    }
  }

  start();
})();
