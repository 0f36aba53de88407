import Testing

@testable import Shared

@Suite(.timeLimit(.minutes(2))) struct SQLScriptTests {
  @Test func splitsAtTopLevelSemicolonsOnly() {
    let sql = """
      -- a comment; not a statement
      CREATE TABLE t (a text DEFAULT ';', "odd;name" int); /* block ; comment */
      CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
      DO $$ BEGIN PERFORM 1; END $$;
      INSERT INTO t VALUES ('it''s; fine', 2)
      """
    let statements = SQLScript.statements(sql)
    #expect(statements.count == 4)
    #expect(statements[0].hasSuffix(#""odd;name" int)"#))
    #expect(statements[1].contains("RETURN 1; END; $body$ LANGUAGE plpgsql"))
    #expect(statements[2] == "DO $$ BEGIN PERFORM 1; END $$")
    #expect(statements[3] == "INSERT INTO t VALUES ('it''s; fine', 2)")
  }

  @Test func positionalParametersAreNotDollarQuotes() {
    #expect(SQLScript.statements("SELECT $1; SELECT $2") == ["SELECT $1", "SELECT $2"])
  }
}
