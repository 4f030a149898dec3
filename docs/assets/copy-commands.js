// copy commands only
