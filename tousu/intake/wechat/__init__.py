"""The WeChat official account's message webhook (issue 17, item 3): followers register a
complaint, ask for its status and write about it by message."""
