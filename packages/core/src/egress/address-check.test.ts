import { describe, expect, it } from "vitest";
import { canonicalAddress, refusedAddress, serverAddresses } from "./address-check.js";

const none = { allowAddresses: new Set<string>(), ownAddresses: new Set<string>() };

describe("refusedAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.1.2.3", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.254", "private"],
    ["192.168.1.1", "private"],
    ["::ffff:192.168.1.1", "private"],
    ["fd12:3456::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["169.254.1.1", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["64:ff9b::a00:1", "NAT64 of 10.0.0.1 (private)"],
    ["169.254.169.254", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["100.100.100.200", "cloud metadata"],
  ])("refuses %s (%s)", (address, why) => {
    expect(refusedAddress(address, none)).toContain(why);
  });

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "lets the public address %s through",
    (address) => {
      expect(refusedAddress(address, none)).toBeUndefined();
    },
  );

  it("refuses the server's own addresses even when they are public", () => {
    const rules = { ...none, ownAddresses: new Set(["8.8.8.8"]) };
    expect(refusedAddress("8.8.8.8", rules)).toContain("address of this server");
  });

  it("lets exactly the operator's listed addresses through, and nothing near them", () => {
    const rules = { ...none, allowAddresses: new Set(["10.251.0.2", "127.0.0.1"]) };
    expect(refusedAddress("10.251.0.2", rules)).toBeUndefined();
    expect(refusedAddress("::ffff:10.251.0.2", rules)).toBeUndefined();
    expect(refusedAddress("10.251.0.3", rules)).toContain("private");
    expect(refusedAddress("127.0.0.2", rules)).toContain("loopback");
  });

  it("refuses what is not a strict address rather than guessing", () => {
    for (const text of ["0x7f.1", "2130706433", "example.com", ""]) {
      expect(refusedAddress(text, none)).toContain("not an address");
    }
    expect(refusedAddress("fe80::1%eth0", none)).toBeDefined();
  });
});

describe("canonicalAddress and serverAddresses", () => {
  it("gives one text per address", () => {
    expect(canonicalAddress("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalAddress("::FFFF:7F00:1")).toBe("127.0.0.1");
    expect(canonicalAddress("2001:DB8::0:1")).toBe("2001:db8::1");
  });

  it("knows this host's loopback addresses", () => {
    expect(serverAddresses().has("127.0.0.1")).toBe(true);
  });
});
