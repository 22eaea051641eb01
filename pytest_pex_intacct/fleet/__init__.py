"""Many companies in one run (``--intacct-fleet``): the fleet file, the concurrent reads, the fleet
results and the drift against an earlier run. See docs/fleet.md."""
