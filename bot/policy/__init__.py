"""The rules about people: who may do what (`permissions`) and who is told what (`notify`).
Services ask these modules; handlers and views never decide either on their own."""
