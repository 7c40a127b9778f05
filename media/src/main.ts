/** Entry point of the timeline webview. */
export {};
