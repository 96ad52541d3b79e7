// Number formats for the grids: thousands separators, 2 decimals for money; empty for
// NULL (a loss ratio when premium is 0); text such as 合计 passes through.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.fmtNumber = function (value, decimals) {
  if (value === null || value === undefined || value === "") {
    return "";
  }
  if (typeof value === "string") {
    return value;
  }
  var shown = value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  // A zero is never signed ("-0.00" from -0 or a tiny negative rounded away).
  return /^-[0.,]*$/.test(shown) ? shown.slice(1) : shown;
};

// A grouped value as users read it: the missing one named (无代理人, 空), a band without
// its sort ordinal ("01 30天以内" → "30天以内"); the totals row keeps its 合计.
dagfuncs.fmtGroup = function (params, missing, band) {
  var value = params.value;
  if (params.node && params.node.rowPinned) {
    return value === null || value === undefined ? "" : value;
  }
  if (value === null || value === undefined || value === "") {
    return missing;
  }
  if (band && typeof value === "string") {
    return value.replace(/^\d\d /, "");
  }
  return value;
};

// Highlights declared in the catalog: amber above the first threshold, red above the
// second (赔付率 70 % / 100 %, 未结天数); negative money in red. The totals row too.
dagfuncs.alertStyle = function (params, amber, red) {
  var v = params.value;
  if (typeof v !== "number") {
    return null;
  }
  if (v > red) {
    return {color: "#c92a2a", backgroundColor: "#fff5f5", fontWeight: 600};
  }
  if (v > amber) {
    return {color: "#e67700", backgroundColor: "#fff9db"};
  }
  return null;
};

dagfuncs.negativeStyle = function (params) {
  return typeof params.value === "number" && params.value < 0 ? {color: "#c92a2a"} : null;
};
