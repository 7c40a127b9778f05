/**
 * Collects rectangles by fill colour and opacity and paints each group with one `fill()` of a Path2D,
 * so a frame with thousands of bars costs a handful of canvas state changes, not one per bar.
 */
export class RectBatch {
  private readonly groups = new Map<string, Map<number, Path2D>>();
  private readonly labels: [string, number, number][] = [];

  rect(fill: string, alpha: number, x: number, y: number, w: number, h: number): void {
    let byAlpha = this.groups.get(fill);
    if (!byAlpha) this.groups.set(fill, (byAlpha = new Map()));
    let path = byAlpha.get(alpha);
    if (!path) byAlpha.set(alpha, (path = new Path2D()));
    path.rect(x, y, w, h);
  }

  /** Text drawn after the rectangles, so it sits on top of its bar. */
  label(text: string, x: number, y: number): void {
    this.labels.push([text, x, y]);
  }

  flush(ctx: CanvasRenderingContext2D, labelColour: string): void {
    for (const [fill, byAlpha] of this.groups) {
      ctx.fillStyle = fill;
      for (const [alpha, path] of byAlpha) {
        ctx.globalAlpha = alpha;
        ctx.fill(path);
      }
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = labelColour;
    for (const [text, x, y] of this.labels) ctx.fillText(text, x, y);
    this.groups.clear();
    this.labels.length = 0;
  }
}
