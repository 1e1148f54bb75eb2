// Server-Sent Events over fetch(): EventSource cannot send the Authorization header, and the
// token must not go in the URL. Reconnects with a growing pause (capped) and resends
// Last-Event-ID; `onState` reports 'connected' | 'reconnecting' | 'off'.

/** Splits a text/event-stream into events. */
function parseBlock(block) {
  const event = { event: 'message', data: [], id: undefined };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.event = value;
    else if (field === 'data') event.data.push(value);
    else if (field === 'id') event.id = value;
  }
  return event.data.length === 0 ? undefined : { event: event.event, data: event.data.join('\n'), id: event.id };
}

/**
 * Opens `path` as an event stream with `headers()` and calls `onEvent({event, data, id})` for
 * each event. Returns `close()`.
 */
export function openStream(path, { headers, onEvent, onState }) {
  let stopped = false;
  let controller;
  let lastId;
  let failures = 0;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(path, {
          headers: { ...headers(), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
          signal: controller.signal,
        });
        if (response.status === 401) {
          onState('off', response.status);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const parsed = parseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (!parsed) continue;
            if (parsed.id) lastId = parsed.id;
            if (parsed.event === 'ready') {
              failures = 0;
              onState('connected');
            }
            onEvent(parsed);
          }
        }
      } catch (error) {
        if (stopped) return;
      }
      if (stopped) return;
      failures += 1;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5))));
    }
  };
  run();
  return () => {
    stopped = true;
    controller?.abort();
    onState('off');
  };
}
