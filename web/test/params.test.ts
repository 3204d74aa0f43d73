import { describe, expect, it } from "vitest";
import { paramProblem, paramsToSend } from "../src/params";
import { describeCron } from "../src/cron";

describe("paramProblem", () => {
  it("checks required and whole-value patterns", () => {
    expect(paramProblem("NAME", { required: true }, "")).toBe("NAME is required");
    expect(paramProblem("NAME", {}, "")).toBeNull();
    expect(paramProblem("NAME", { pattern: "[a-z]+" }, "abc")).toBeNull();
    expect(paramProblem("NAME", { pattern: "[a-z]+" }, "abc1")).toBe("NAME must match [a-z]+");
    expect(paramProblem("N", { pattern: "a|b" }, "ab")).not.toBeNull();
  });
  it("sends non-empty values only", () => {
    expect(paramsToSend({ A: "1", B: "" })).toEqual({ A: "1" });
  });
});

describe("describeCron", () => {
  it("reads common shapes", () => {
    expect(describeCron("*/5 * * * *")).toBe("every 5 minutes");
    expect(describeCron("0 3 * * *")).toBe("at 03:00 every day");
    expect(describeCron("30 9 * * 1-5")).toBe("at 09:30 on Monday to Friday");
    expect(describeCron("@daily")).toBe("every day at 00:00");
    expect(describeCron("0 0 1 1 *")).toBe("at 00:00 on day 1 of the month in January");
    expect(describeCron("bad")).toBeNull();
  });
});
