// Renders /openapi.json as a browsable list, grouped by tag. Served locally; no CDN.
(async () => {
  const main = document.getElementById('operations');
  const filter = document.getElementById('filter');
  const doc = await (await fetch('/openapi.json')).json();
  const resolve = (schema) => {
    const ref = schema && schema.$ref;
    return ref ? doc.components.schemas[ref.split('/').pop()] : schema;
  };
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  const render = () => {
    const needle = filter.value.trim().toLowerCase();
    main.replaceChildren();
    for (const tag of doc.tags) {
      const ops = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!op.tags.includes(tag.name)) continue;
          const text = `${path} ${op.summary} ${tag.name}`.toLowerCase();
          if (needle && !text.includes(needle)) continue;
          ops.push([path, method, op]);
        }
      }
      if (ops.length === 0) continue;
      main.append(el('h2', {}, tag.description));
      for (const [path, method, op] of ops) {
        const body = el('div', { class: 'body' });
        if (op.description) body.append(el('p', {}, op.description));
        body.append(el('p', {}, `operationId: ${op.operationId}`));
        if (op.parameters) {
          const table = el('table', {}, el('tr', {}, el('th', {}, '参数 parameter'), el('th', {}, '位置 in'), el('th', {}, '必填 required'), el('th', {}, '说明 description')));
          for (const p of op.parameters) table.append(el('tr', {}, el('td', {}, p.name), el('td', {}, p.in), el('td', {}, p.required ? '是 yes' : '否 no'), el('td', {}, p.description || JSON.stringify(p.schema))));
          body.append(table);
        }
        if (op.requestBody) {
          for (const [media, content] of Object.entries(op.requestBody.content)) {
            body.append(el('p', {}, `请求体 request body (${media})`), el('pre', {}, JSON.stringify(resolve(content.schema), null, 2)));
          }
        }
        const codes = Object.entries(op.responses).map(([code, r]) => `${code}  ${r.description}`).join('\n');
        body.append(el('p', {}, '响应 responses'), el('pre', {}, codes));
        const roles = op['x-roles'] ? `角色 roles: ${op['x-roles'].join(', ')}` : op.security.length ? '查询码 verification code' : '公开 public';
        main.append(el('details', {}, el('summary', {}, el('span', { class: `method ${method}` }, method), el('span', { class: 'path' }, path), el('span', {}, op.summary), el('span', { class: 'roles' }, roles)), body));
      }
    }
  };
  filter.addEventListener('input', render);
  render();
})().catch((error) => {
  document.getElementById('operations').textContent = `无法加载 /openapi.json could not load: ${error}`;
});
