/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads events from an SSE response body as they arrive. `next()` waits for the next event
 * (comments and keep-alives are skipped); it rejects when the stream ends first.
 */
export function readSse(response: Response): { next(): Promise<SseEvent>; cancel(): Promise<void> } {
  if (!response.body) throw new Error('SSE response has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const parse = (block: string): SseEvent | undefined => {
    const event: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') event.id = value;
    }
    if (data.length === 0 && event.event === 'message') return undefined;
    event.data = data.join('\n');
    return event;
  };
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parse(block);
          if (event) return event;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error('SSE stream ended');
        buffer += value.replace(/\r\n/g, '\n');
      }
    },
    async cancel() {
      await reader.cancel();
    },
  };
}
