package report

// Size budgets of issue 13, in bytes (the stricter, decimal reading of "150 KB" and
// "400 KB"): every county report and every summary 通报 kaohe renders stays under them.
// The layout tests (report, internal/bench) check them on the demo month and on a
// 40-county month.
const (
	CountyBudget  = 150_000
	SummaryBudget = 400_000
)
