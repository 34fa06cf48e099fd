// The Outpost console's page: one stream of server-sent events keeps the table current; the buttons POST
// actions. The token comes from the page's address (#token=...), which the browser never sends to the
// server, and goes with every request as "Authorization: Bearer". EventSource cannot send that header, so
// the stream is read with fetch() and parsed here. Everything a plugin says is shown as text, never as HTML.
(() => {
  'use strict';

  const ACTIONS = ['restart', 'stop', 'start', 'enable', 'disable', 'reload'];
  const FIELDS = ['id', 'name', 'version', 'state', 'pid', 'restarts', 'uptime', 'memory', 'lastError'];
  const NUMBERS = new Set(['pid', 'restarts', 'uptime', 'memory']);
  const MAX_EVENTS = 50;
  const RECONNECT_MS = 2000;

  const plugins = new Map(); // id -> {plugin, receivedAt, events, row, detail}
  const tbody = document.querySelector('#plugins tbody');
  const token = readToken();

  function readToken() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem('outpost-console-token', decodeURIComponent(match[1]));
      // Out of the address bar (and of anything copied from it); the tab keeps it across reloads.
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem('outpost-console-token');
  }

  function headers() {
    return { 'Authorization': 'Bearer ' + token };
  }

  function say(text, isError) {
    const message = document.getElementById('message');
    message.textContent = text;
    message.className = 'message' + (isError ? ' error' : '');
  }

  function connection(kind, text) {
    const element = document.getElementById('connection');
    element.textContent = text;
    element.className = 'connection ' + kind;
  }

  // ---- the stream ----

  async function stream() {
    for (;;) {
      try {
        const response = await fetch('api/stream', { headers: headers(), cache: 'no-store' });
        if (response.status === 401) {
          connection('down', 'not authorized');
          say('The token was refused: open the address outpost printed (console http://…/#token=…).', true);
          return;
        }
        if (!response.ok) {
          throw new Error('HTTP ' + response.status + ': ' + (await errorOf(response)));
        }
        connection('live', 'live');
        await read(response.body.getReader());
        connection('down', 'disconnected; reconnecting…');
      } catch (error) {
        connection('down', 'disconnected (' + error.message + '); reconnecting…');
      }
      await new Promise(resolve => setTimeout(resolve, RECONNECT_MS));
    }
  }

  async function read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  function dispatch(block) {
    let kind = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) {
        kind = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data += line.slice(5).replace(/^ /, '');
      }
    }
    const payload = JSON.parse(data);
    if (kind === 'plugins') {
      replaceAll(payload, true);
    } else if (kind === 'refresh') {
      replaceAll(payload, false);
    } else if (kind === 'change') {
      const entry = entryOf(payload.plugin.id);
      update(entry, payload.plugin);
      entry.events.push(payload.event);
      entry.events.splice(0, Math.max(0, entry.events.length - MAX_EVENTS));
      render(entry);
    }
  }

  function replaceAll(list, withEvents) {
    const seen = new Set(list.map(plugin => plugin.id));
    for (const [id, entry] of plugins) {
      if (!seen.has(id)) {
        entry.row.remove();
        entry.detail.remove();
        plugins.delete(id);
      }
    }
    for (const plugin of list) {
      const entry = entryOf(plugin.id);
      update(entry, plugin);
      if (withEvents) {
        entry.events = plugin.events || [];
      }
      render(entry);
    }
    document.getElementById('empty').hidden = plugins.size > 0;
  }

  function update(entry, plugin) {
    entry.plugin = plugin;
    entry.receivedAt = performance.now();
  }

  // ---- the table ----

  function entryOf(id) {
    let entry = plugins.get(id);
    if (entry) {
      return entry;
    }
    const row = document.createElement('tr');
    row.dataset.id = id;
    for (const field of FIELDS) {
      const cell = row.insertCell();
      cell.dataset.field = field;
      if (NUMBERS.has(field)) {
        cell.className = 'number';
      }
    }
    const actions = row.insertCell();
    actions.className = 'actions';
    for (const action of ACTIONS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action;
      button.dataset.action = action;
      button.addEventListener('click', () => act(id, action, row));
      actions.appendChild(button);
    }
    const detail = document.createElement('tr');
    detail.className = 'detail';
    detail.dataset.id = id;
    const cell = detail.insertCell();
    cell.colSpan = FIELDS.length + 1;
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'recent stderr and state changes';
    const columns = document.createElement('div');
    columns.className = 'columns';
    const logColumn = document.createElement('div');
    const log = document.createElement('pre');
    log.className = 'log';
    logColumn.append(heading('recent stderr lines'), log);
    const eventColumn = document.createElement('div');
    const events = document.createElement('ol');
    events.className = 'events';
    eventColumn.append(heading('state changes'), events);
    columns.append(logColumn, eventColumn);
    details.append(summary, columns);
    cell.appendChild(details);

    entry = { plugin: null, receivedAt: 0, events: [], row, detail };
    plugins.set(id, entry);
    const after = [...plugins.keys()].sort().find(other => other > id);
    const before = after === undefined ? null : plugins.get(after).row;
    tbody.insertBefore(row, before);
    tbody.insertBefore(detail, before);
    document.getElementById('empty').hidden = true;
    return entry;
  }

  function heading(text) {
    const element = document.createElement('h3');
    element.textContent = text;
    return element;
  }

  function cell(entry, field) {
    return entry.row.querySelector('td[data-field="' + field + '"]');
  }

  function render(entry) {
    const plugin = entry.plugin;
    cell(entry, 'id').textContent = plugin.id;
    cell(entry, 'name').textContent = plugin.name ?? '';
    cell(entry, 'version').textContent = plugin.version ?? '';
    const state = cell(entry, 'state');
    state.textContent = plugin.state;
    state.className = 'state state-' + plugin.state;
    cell(entry, 'pid').textContent = plugin.pid ?? '';
    cell(entry, 'restarts').textContent = plugin.restarts;
    cell(entry, 'memory').textContent = plugin.memoryRssBytes == null ? '' : mib(plugin.memoryRssBytes);
    const error = cell(entry, 'lastError');
    error.textContent = plugin.lastError ?? '';
    error.className = 'error';
    tick(entry);
    entry.detail.querySelector('pre.log').textContent = plugin.stderrTail.map(logLine).join('\n');
    const list = entry.detail.querySelector('ol.events');
    list.replaceChildren(...entry.events.map(event => {
      const item = document.createElement('li');
      item.textContent = event.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') + '  ' + event.from + ' → '
          + event.to + (event.reason ? '  [' + event.reason + ']' : '');
      return item;
    }));
  }

  /** The uptime goes on between updates: the server's figure plus the time since it came. */
  function tick(entry) {
    const plugin = entry.plugin;
    cell(entry, 'uptime').textContent = plugin.uptimeMillis == null ? ''
        : duration(plugin.uptimeMillis + (performance.now() - entry.receivedAt));
  }

  function duration(millis) {
    let seconds = Math.floor(millis / 1000);
    const days = Math.floor(seconds / 86400);
    seconds -= days * 86400;
    const hours = Math.floor(seconds / 3600);
    seconds -= hours * 3600;
    const minutes = Math.floor(seconds / 60);
    seconds -= minutes * 60;
    const pad = n => String(n).padStart(2, '0');
    return (days > 0 ? days + 'd ' : '') + pad(hours) + ':' + pad(minutes) + ':' + pad(seconds);
  }

  function mib(bytes) {
    return (bytes / 1048576).toFixed(1) + ' MiB';
  }

  /** go-plugin's JSON log lines (hclog) read better as "LEVEL message key=value"; other lines as they are. */
  function logLine(line) {
    if (!line.startsWith('{')) {
      return line;
    }
    try {
      const record = JSON.parse(line);
      if (typeof record['@message'] !== 'string') {
        return line;
      }
      const rest = Object.entries(record).filter(([key]) => !key.startsWith('@'))
          .map(([key, value]) => key + '=' + (typeof value === 'string' ? value : JSON.stringify(value)));
      return [String(record['@level'] ?? '').toUpperCase(), record['@message'], ...rest].filter(Boolean).join(' ');
    } catch (notJson) {
      return line;
    }
  }

  // ---- the buttons ----

  async function act(id, action, row) {
    const buttons = row.querySelectorAll('button');
    buttons.forEach(button => { button.disabled = true; });
    say(action + ' ' + id + '…', false);
    try {
      const response = await fetch('api/plugins/' + encodeURIComponent(id) + '/' + action,
          { method: 'POST', headers: headers() });
      if (!response.ok) {
        say(action + ' ' + id + ' failed (HTTP ' + response.status + '): ' + (await errorOf(response)), true);
        return;
      }
      const plugin = await response.json();
      const entry = plugins.get(id);
      if (entry) {
        update(entry, plugin);
        render(entry);
      }
      say(action + ' ' + id + ': done, ' + plugin.state + (plugin.pid == null ? '' : ', pid ' + plugin.pid), false);
    } catch (error) {
      say(action + ' ' + id + ' failed: ' + error.message, true);
    } finally {
      buttons.forEach(button => { button.disabled = false; });
    }
  }

  async function errorOf(response) {
    try {
      return (await response.json()).error;
    } catch (notJson) {
      return response.statusText;
    }
  }

  if (!token) {
    connection('down', 'no token');
    say('No token: open the address outpost printed at start (console http://…/#token=…).', true);
    return;
  }
  setInterval(() => plugins.forEach(entry => { if (entry.plugin) { tick(entry); } }), 1000);
  stream();
})();
