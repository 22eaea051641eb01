"""Recording a run into a vcrpy cassette, and replaying one offline."""
