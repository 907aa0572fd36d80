"""Process design: the canvas of basic questions, the stakeholder map and the end-user check."""
