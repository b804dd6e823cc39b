// keeps the handler's Powertools logger quiet in tests (imported before the handler)
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
