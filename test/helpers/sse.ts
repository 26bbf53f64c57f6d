/** Reads an SSE response as it comes: the text so far, and whether it ended. */
export function readEvents(res: Response) {
  const state = { text: '', ended: false };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        state.text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
    state.ended = true;
  })();
  return state;
}
