package web

// traceImportMessages are the import API's error messages (trace_import.go),
// in the language of the request (?lang=, the cookie, else Chinese). Their
// arguments are numbers, so neither language shows an identifier.
var traceImportMessages = map[string]map[string]string{
	"zh": {
		"msg_import_bad_format":      "文件格式“%s”无效：应为 jsonl 或 csv。",
		"msg_import_compressed":      "不接受压缩的上传文件，请上传未压缩的文件。",
		"msg_import_too_large":       "上传的文件超过 %d GiB 的上限，未导入任何数据。",
		"msg_import_running":         "已有一个导入正在进行，请待其完成后再试。",
		"msg_import_disk_full":       "数据盘空间不足，导入已停止，数据未作任何改动（需为通话记录保留 %d MB 空间）。",
		"msg_import_read":            "上传中断或无法读取，未导入任何数据。",
		"msg_import_line_too_long":   "第 %d 行超过 %d MiB（%d 字节）的行长上限，未导入任何数据。文件是否缺少换行？",
		"msg_import_record_too_long": "到第 %d 行为止的一条 CSV 记录超过 %d MiB（%d 字节）的上限，未导入任何数据。是否有引号未闭合？",
		"msg_import_bad_rows":        "%d 行有误，未导入任何数据（请修正后重试，或选择只导入正确的行）。",
	},
	"en": {
		"msg_import_bad_format":      "file format %q: want jsonl or csv",
		"msg_import_compressed":      "compressed uploads are not accepted: send the file uncompressed",
		"msg_import_too_large":       "the upload is larger than the limit of %d GiB; nothing imported",
		"msg_import_running":         "another import is running; try again when it has finished",
		"msg_import_disk_full":       "the data disk is too full for this import: it stopped and nothing changed (%d MB are kept free for call records)",
		"msg_import_read":            "the upload broke off or could not be read; nothing imported",
		"msg_import_line_too_long":   "line %d is longer than the limit of %d MiB (%d bytes); nothing imported. Is the file missing its line breaks?",
		"msg_import_record_too_long": "the CSV record running to line %d is longer than the limit of %d MiB (%d bytes); nothing imported. Is a quote left open?",
		"msg_import_bad_rows":        "%d bad rows; nothing imported (fix them, or import with partial=1)",
	},
}
