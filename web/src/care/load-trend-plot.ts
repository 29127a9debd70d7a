/**
 * The trend plot's chunk (it carries recharts, the largest library here). The chart's results
 * section loads it lazily, so screens that share chart-sections without plotting (the portal's
 * summary) never download recharts; CareArea starts loading it together with the chart page.
 */
export const loadTrendPlot = () => import('./TrendPlot');
