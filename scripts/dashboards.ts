/** Writes dashboards/*.json from the typed dashboard code: `npx tsx scripts/dashboards.ts` (a test checks they match). */
import { writeFileSync } from "fs";
import { join } from "path";
import { allDashboards, dashboardFileContent } from "../dashboards";

for (const [file, model] of Object.entries(allDashboards())) {
  writeFileSync(join(__dirname, "..", "dashboards", file), dashboardFileContent(model));
  console.log(`wrote dashboards/${file} (${(model.panels as unknown[]).length} panels)`);
}
