/**
 * The bars of a frame, written pixel by pixel into an offscreen RGBA buffer and put on the canvas
 * with one drawImage, then their labels on top. A frame with a hundred thousand bars costs a few
 * array fills per bar instead of a canvas path each: at 1M events canvas paths were the frame time.
 * Coordinates are CSS pixels, rounded to device pixels; every rectangle covers at least one.
 */
import * as d3 from 'd3';

export class PixelLayer {
  private readonly canvas = document.createElement('canvas');
  private readonly ctx = this.canvas.getContext('2d')!;
  private image = new ImageData(1, 1);
  private pixels = new Uint32Array(this.image.data.buffer);
  private readonly colours = new Map<string, { rgb: number; opacity: number }>();
  private readonly labels: [string, number, number][] = [];
  private dpr = 1;
  private cssWidth = 1;
  private cssHeight = 1;
  /** Clip box in device pixels: [x0, x1) x [y0, y1). */
  private clipX0 = 0;
  private clipX1 = 0;
  private clipY0 = 0;
  private clipY1 = 0;
  /** The current band: one row of pixels, the columns written, and its rows (device pixels). */
  private band = new Uint32Array(1);
  private bandX0 = Infinity;
  private bandX1 = -Infinity;
  private bandY0 = 0;
  private bandY1 = 0;
  /** Rows written since the last paint (device pixels). */
  private dirtyY0 = Infinity;
  private dirtyY1 = -Infinity;

  /** Sizes the buffer to the canvas (CSS size and device pixel ratio) and empties it. */
  begin(cssWidth: number, cssHeight: number, dpr: number): void {
    const width = Math.round(cssWidth * dpr);
    const height = Math.round(cssHeight * dpr);
    if (width !== this.image.width || height !== this.image.height) {
      this.image = new ImageData(width, height);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.canvas.width = width;
      this.canvas.height = height;
      this.dirtyY0 = Infinity;
    }
    [this.cssWidth, this.cssHeight, this.dpr] = [cssWidth, cssHeight, dpr];
    if (this.dirtyY0 < this.dirtyY1) {
      this.pixels.fill(0, this.dirtyY0 * width, this.dirtyY1 * width);
    }
    this.dirtyY0 = Infinity;
    this.dirtyY1 = -Infinity;
    this.labels.length = 0;
    this.clip(0, 0, cssWidth, cssHeight);
  }

  clip(x: number, y: number, w: number, h: number): void {
    const { dpr, image } = this;
    this.clipX0 = Math.max(0, Math.round(x * dpr));
    this.clipX1 = Math.min(image.width, Math.round((x + w) * dpr));
    this.clipY0 = Math.max(0, Math.round(y * dpr));
    this.clipY1 = Math.min(image.height, Math.round((y + h) * dpr));
  }

  /** A rectangle of CSS colour `fill` at opacity `alpha`, over what the layer already holds. */
  rect(fill: string, alpha: number, x: number, y: number, w: number, h: number): void {
    const { dpr, pixels } = this;
    const width = this.image.width;
    let x0 = Math.round(x * dpr);
    let x1 = Math.max(x0 + 1, Math.round((x + w) * dpr));
    let y0 = Math.round(y * dpr);
    let y1 = Math.max(y0 + 1, Math.round((y + h) * dpr));
    x0 = Math.max(x0, this.clipX0);
    x1 = Math.min(x1, this.clipX1);
    y0 = Math.max(y0, this.clipY0);
    y1 = Math.min(y1, this.clipY1);
    if (x0 >= x1 || y0 >= y1) return;
    this.dirtyY0 = Math.min(this.dirtyY0, y0);
    this.dirtyY1 = Math.max(this.dirtyY1, y1);
    const { rgb, opacity } = this.colour(fill);
    const a = Math.round(255 * alpha * opacity);
    if (a >= 255) {
      const value = (rgb | 0xff000000) >>> 0;
      for (let row = y0 * width; row < y1 * width; row += width) {
        pixels.fill(value, row + x0, row + x1);
      }
      return;
    }
    if (a <= 0) return;
    for (let row = y0 * width; row < y1 * width; row += width) {
      for (let i = row + x0; i < row + x1; i++) pixels[i] = over(pixels[i], rgb, a);
    }
  }

  /**
   * Starts a band of rows [y, y + h): every bar in it spans all its rows, so a bar is one run in a
   * row buffer and `endBand` copies that row to each row of the band. Bands must not overlap other
   * drawing in the layer (they replace what is under them).
   */
  beginBand(y: number, h: number): void {
    const { dpr } = this;
    const y0 = Math.round(y * dpr);
    this.bandY0 = Math.max(y0, this.clipY0);
    this.bandY1 = Math.min(Math.max(y0 + 1, Math.round((y + h) * dpr)), this.clipY1);
    if (this.band.length !== this.image.width) this.band = new Uint32Array(this.image.width);
  }

  /** A bar from x0 to x1 (CSS pixels) in the current band; a later bar wins where they overlap. */
  bandRect(fill: string, alpha: number, x0: number, x1: number): void {
    const { dpr, band } = this;
    const from = Math.max(Math.round(x0 * dpr), this.clipX0);
    const to = Math.min(Math.max(Math.round(x0 * dpr) + 1, Math.round(x1 * dpr)), this.clipX1);
    if (from >= to) return;
    const { rgb, opacity } = this.colour(fill);
    const a = Math.round(255 * alpha * opacity);
    if (a <= 0) return;
    const value = ((Math.min(255, a) << 24) | rgb) >>> 0;
    if (to - from < 8) for (let i = from; i < to; i++) band[i] = value;
    else band.fill(value, from, to);
    this.bandX0 = Math.min(this.bandX0, from);
    this.bandX1 = Math.max(this.bandX1, to);
  }

  endBand(): void {
    const { band, bandX0, bandX1, bandY0, bandY1 } = this;
    if (bandX0 < bandX1 && bandY0 < bandY1) {
      const width = this.image.width;
      const row = band.subarray(bandX0, bandX1);
      for (let y = bandY0; y < bandY1; y++) this.pixels.set(row, y * width + bandX0);
      this.dirtyY0 = Math.min(this.dirtyY0, bandY0);
      this.dirtyY1 = Math.max(this.dirtyY1, bandY1);
      band.fill(0, bandX0, bandX1);
    }
    this.bandX0 = Infinity;
    this.bandX1 = -Infinity;
  }

  /** Text drawn after the bars, so it sits on top of its bar. */
  label(text: string, x: number, y: number): void {
    this.labels.push([text, x, y]);
  }

  /** Puts the bars on `ctx` (in CSS pixel coordinates, no clip) and then the labels. */
  paint(ctx: CanvasRenderingContext2D, labelColour: string): void {
    if (this.dirtyY0 < this.dirtyY1) {
      const height = this.dirtyY1 - this.dirtyY0;
      this.ctx.clearRect(0, 0, this.image.width, this.image.height);
      this.ctx.putImageData(this.image, 0, 0, 0, this.dirtyY0, this.image.width, height);
      ctx.drawImage(this.canvas, 0, 0, this.cssWidth, this.cssHeight);
    }
    ctx.fillStyle = labelColour;
    for (const [text, x, y] of this.labels) ctx.fillText(text, x, y);
  }

  private colour(fill: string): { rgb: number; opacity: number } {
    let colour = this.colours.get(fill);
    if (!colour) {
      const c = d3.rgb(fill);
      const channel = (v: number): number => Math.max(0, Math.min(255, Math.round(v || 0)));
      colour = {
        rgb: (channel(c.b) << 16) | (channel(c.g) << 8) | channel(c.r),
        opacity: Number.isFinite(c.opacity) ? c.opacity : 1,
      };
      this.colours.set(fill, colour);
    }
    return colour;
  }
}

/** Source-over of colour `rgb` (0xBBGGRR) at alpha `a` (0-255) onto the RGBA pixel `dst`. */
function over(dst: number, rgb: number, a: number): number {
  const da = dst >>> 24;
  if (da === 0) return ((a << 24) | rgb) >>> 0;
  const sa = a / 255;
  const dw = (da / 255) * (1 - sa);
  const outA = sa + dw;
  const mix = (shift: number): number =>
    Math.round((((rgb >>> shift) & 255) * sa + ((dst >>> shift) & 255) * dw) / outA) << shift;
  return ((Math.round(outA * 255) << 24) | mix(16) | mix(8) | mix(0)) >>> 0;
}
