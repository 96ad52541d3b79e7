"""The 6.6 page's rules for the files, written for the people who prepare them: one file
per entity, its name, and every column with its meaning, type, whether it is required
and the values allowed, from the importer's own declaration (data/layout.py)."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc

from data.layout import ENTITIES, OPTIONAL_FILES, TYPE_LABELS, Entity

RULES = (
    "每个实体一个文件, 文件名为下表的文件名 (如 policy.csv), 格式可为 CSV (UTF-8)、Parquet "
    "或 Excel (.xlsx), 多个文件可打成一个 zip 上传。",
    "文件第一行为列名, 列名须与下表一致 (顺序不限); 必填列不能缺少, 不能有表外的列。",
    "日期写作 YYYY-MM-DD (如 2026-11-20), 金额最多两位小数, 汇率最多六位小数。",
    "业务主键在一个文件中不能重复; 引用其他实体的代码 (如保单的支公司代码) 须在该实体的文件"
    "或现有数据中存在。",
    "标为“可选”的文件可以不上传, 视为没有该类数据。",
)


def _entity_table(e: Entity) -> Any:
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh(t) for t in
                                       ("列名", "含义", "类型", "必填", "允许的值", "示例")]))
    body = dmc.TableTbody([
        dmc.TableTr([dmc.TableTd(dmc.Code(f.name)), dmc.TableTd(f.label),
                     dmc.TableTd(TYPE_LABELS[f.type]), dmc.TableTd("是" if f.required else "否"),
                     dmc.TableTd(" / ".join(f.codes) if f.codes
                                 else ("不小于 0" if f.non_negative else "")),
                     dmc.TableTd(f.example)])
        for f in e.fields])
    key = "、".join(e.key)
    return dmc.Stack(gap=4, children=[
        dmc.Text(f"业务主键: {key}" + ("; 可选文件" if e.name in OPTIONAL_FILES else ""),
                 size="xs", c="dimmed"),
        dmc.Table([head, body], striped=True, withTableBorder=True, fz="xs"),
    ])


def import_rules() -> Any:
    return dmc.Accordion(variant="contained", id="import-rules", children=[
        dmc.AccordionItem(value="rules", children=[
            dmc.AccordionControl("文件与列的规则 (准备文件前请阅读)"),
            dmc.AccordionPanel(dmc.Stack(gap="xs", children=[
                dmc.List(size="sm", children=[dmc.ListItem(r) for r in RULES]),
                dmc.Accordion(multiple=True, children=[
                    dmc.AccordionItem(value=e.name, children=[
                        dmc.AccordionControl(f"{e.name}.csv — {e.label}"),
                        dmc.AccordionPanel(_entity_table(e))])
                    for e in ENTITIES]),
            ])),
        ]),
    ])
