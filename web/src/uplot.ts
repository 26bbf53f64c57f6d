// uPlot with its stylesheet: one chunk, loaded with import('./uplot') by the first chart shown,
// so pages without charts never download it.
import 'uplot/dist/uPlot.min.css';

export { default } from 'uplot';
