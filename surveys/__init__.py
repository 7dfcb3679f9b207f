"""Consumer satisfaction surveys (issue 15): the core, without Flask."""
