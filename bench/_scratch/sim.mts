import { pollingSimulationRows } from '../suites/polling-sim';
import { renderTable } from '../lib/table';
console.log(renderTable(pollingSimulationRows([1000, 10000, 60000])));
